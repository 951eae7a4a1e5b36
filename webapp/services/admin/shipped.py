"""The diagrams shipped in ``bpmn/``: deployed by ``flask diagrams deploy``, the demo and the tests."""
from flask import current_app

from ... import engine

TOP_LEVEL_PROCESSES = ("registration_case", "dynamic_change", "problem_data", "village_survey", "spot_check",
                       "campaign_summary", "employer_inspection", "expansion_drive")


def deploy_shipped_diagrams():
    """Deploy the diagrams in bpmn/ (unchanged files are not stored again)."""
    return engine.deploy_directory(current_app.config["BPMN_DIR"], TOP_LEVEL_PROCESSES)
