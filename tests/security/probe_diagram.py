"""A small process for probing the restricted engine: a script task, a gateway that may loop back
to it, and a user task with a deadline timer. Each probe fills in one of the three code slots."""
from xml.sax.saxutils import escape

from webapp import engine
from webapp.extensions import db

PROCESS_ID = "probe"
FILE_NAME = "probe.bpmn"

_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="probe_definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="probe_collaboration">
    <bpmn:participant id="probe_participant" name="probe" processRef="probe" />
  </bpmn:collaboration>
  <bpmn:process id="probe" name="probe" isExecutable="true">
    <bpmn:laneSet id="probe_lanes">
      <bpmn:lane id="probe_lane_agency" name="agency">
        <bpmn:flowNodeRef>probe_start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>probe_script</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>probe_gateway</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>probe_wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>probe_wait_deadline</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>probe_deadline_end</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>probe_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="probe_start"><bpmn:outgoing>f_start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="probe_script" name="probe script">
      <bpmn:incoming>f_start</bpmn:incoming><bpmn:incoming>f_loop</bpmn:incoming>
      <bpmn:outgoing>f_script</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="probe_gateway" default="f_wait">
      <bpmn:incoming>f_script</bpmn:incoming><bpmn:outgoing>f_loop</bpmn:outgoing><bpmn:outgoing>f_wait</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:userTask id="probe_wait" name="probe wait">
      <bpmn:incoming>f_wait</bpmn:incoming><bpmn:outgoing>f_done</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="probe_wait_deadline" cancelActivity="false" attachedToRef="probe_wait">
      <bpmn:outgoing>f_deadline</bpmn:outgoing>
      <bpmn:timerEventDefinition id="probe_wait_deadline_timer">
        <bpmn:{timer_kind} xsi:type="bpmn:tFormalExpression">{timer}</bpmn:{timer_kind}>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="probe_deadline_end"><bpmn:incoming>f_deadline</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="probe_end"><bpmn:incoming>f_done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f_start" sourceRef="probe_start" targetRef="probe_script" />
    <bpmn:sequenceFlow id="f_script" sourceRef="probe_script" targetRef="probe_gateway" />
    <bpmn:sequenceFlow id="f_loop" sourceRef="probe_gateway" targetRef="probe_script">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_wait" sourceRef="probe_gateway" targetRef="probe_wait" />
    <bpmn:sequenceFlow id="f_deadline" sourceRef="probe_wait_deadline" targetRef="probe_deadline_end" />
    <bpmn:sequenceFlow id="f_done" sourceRef="probe_wait" targetRef="probe_end" />
  </bpmn:process>
</bpmn:definitions>
"""


def probe_bpmn(script="x = 1", condition="False", timer='"P1D"', timer_kind="timeDuration"):
    """The probe process with the given script, loop condition and deadline timer expression."""
    return _TEMPLATE.format(script=escape(script), condition=escape(condition), timer=escape(timer),
                            timer_kind=timer_kind)


def deploy_probe(**slots):
    """Deploy the probe process (validated like any upload) and commit; return the version."""
    version = engine.deploy_bundle(PROCESS_ID, {FILE_NAME: probe_bpmn(**slots)})
    db.session.commit()
    return version


def store_unchecked(**slots):
    """Store a probe version without validation, as a version deployed before a rule existed."""
    from webapp.engine.diagrams import bundle_hash, forget_cached_versions
    from webapp.models import DiagramVersion

    files = {FILE_NAME: probe_bpmn(**slots)}
    DiagramVersion.query.filter_by(process_id=PROCESS_ID).update({"is_current": False})
    version = DiagramVersion(process_id=PROCESS_ID, content_hash=bundle_hash(files), files=files, is_current=True)
    db.session.add(version)
    db.session.commit()
    forget_cached_versions()
    return version


def start_probe_case(data=None, actor=None):
    """Start a probe case in the demo county's first village; commit; return the case."""
    from webapp.models import Area
    from webapp.services.casework import cases

    village = Area.query.filter_by(level="village").order_by(Area.code).first()
    case = cases.start_case("problem", PROCESS_ID, "probe case", village, actor=actor, data=data or {})
    db.session.commit()
    return case
