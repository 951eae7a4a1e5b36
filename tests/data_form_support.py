"""Shared by the forms-as-data tests: a published form definition and registration_case with a
village head's check drawn as a data_form step followed by a gateway on its values."""
from webapp.extensions import db
from webapp.models import DiagramVersion

from .helpers import user

CODE = "head_check"
SCHEMA = {"fields": [
    {"key": "household_size", "type": "number", "label": {"zh": "家庭人口", "en": "Household size"},
     "required": True, "min": 1, "max": 30},
    {"key": "head_phone", "type": "phone", "label": {"zh": "村主任电话", "en": "Village head's phone"}},
    {"key": "checked_id", "type": "id_number", "label": {"zh": "核对的身份号码", "en": "ID number checked"}},
    {"key": "housing", "type": "select", "label": {"zh": "住房情况", "en": "Housing"}, "required": True,
     "options": [{"value": "own", "label": {"zh": "自有住房", "en": "Own home"}},
                 {"value": "rent", "label": {"zh": "租住", "en": "Rented"}}]},
    {"key": "informed", "type": "checkbox", "label": {"zh": "已告知参保政策", "en": "Policy explained"},
     "required": True},
], "decisions": [{"value": "approve", "label": {"zh": "同意", "en": "Agree"}},
                 {"value": "return", "label": {"zh": "退回重新入户", "en": "Send back"}, "comment_required": True}]}

STEP = """    <bpmn:userTask id="head_check" name="村主任核实">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="data_form" />
          <spiffworkflow:property name="form_definition" value="{code}" />
          <spiffworkflow:property name="title_en" value="Village head check" />
          <spiffworkflow:property name="decision_variable" value="head_decision" />
          <spiffworkflow:property name="comment_variable" value="head_comment" />
          <spiffworkflow:property name="deadline" value="P3D" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>visit_done_flow</bpmn:incoming>
      <bpmn:outgoing>head_check_done_flow</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="head_check_done_flow" sourceRef="head_check" targetRef="head_check_gateway" />
    <bpmn:exclusiveGateway id="head_check_gateway" name="核实结果" default="head_check_ok_flow">
      <bpmn:incoming>head_check_done_flow</bpmn:incoming>
      <bpmn:outgoing>head_check_ok_flow</bpmn:outgoing>
      <bpmn:outgoing>head_check_back_flow</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="head_check_ok_flow" sourceRef="head_check_gateway" targetRef="call_township_first_review" />
    <bpmn:sequenceFlow id="head_check_back_flow" sourceRef="head_check_gateway" targetRef="call_door_to_door_visit">
      <bpmn:conditionExpression>head_decision == 'return' or household_size &gt; 8</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
"""

DRAWN = """      <bpmndi:BPMNShape id="head_check_di" bpmnElement="head_check">
        <dc:Bounds x="560" y="40" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="head_check_gateway_di" bpmnElement="head_check_gateway" isMarkerVisible="true">
        <dc:Bounds x="700" y="55" width="50" height="50" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="head_check_done_flow_di" bpmnElement="head_check_done_flow">
        <di:waypoint x="660" y="80" />
        <di:waypoint x="700" y="80" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="head_check_ok_flow_di" bpmnElement="head_check_ok_flow">
        <di:waypoint x="750" y="80" />
        <di:waypoint x="800" y="200" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="head_check_back_flow_di" bpmnElement="head_check_back_flow">
        <di:waypoint x="725" y="55" />
        <di:waypoint x="725" y="20" />
        <di:waypoint x="450" y="20" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>"""


def with_head_check(xml, code=CODE):
    """registration_case with the data_form step ``head_check`` between the visit and the first review."""
    xml = xml.replace('<bpmn:sequenceFlow id="visit_done_flow" sourceRef="call_door_to_door_visit" '
                      'targetRef="call_township_first_review" />',
                      '<bpmn:sequenceFlow id="visit_done_flow" sourceRef="call_door_to_door_visit" '
                      'targetRef="head_check" />\n' + STEP.format(code=code), 1)
    xml = xml.replace("<bpmn:incoming>visit_done_flow</bpmn:incoming>\n      <bpmn:incoming>county_audit_returned_flow",
                      "<bpmn:incoming>head_check_ok_flow</bpmn:incoming>\n      <bpmn:incoming>county_audit_returned_flow", 1)
    xml = xml.replace("<bpmn:incoming>first_review_returned_flow</bpmn:incoming>\n      <bpmn:outgoing>visit_done_flow",
                      "<bpmn:incoming>first_review_returned_flow</bpmn:incoming>\n      "
                      "<bpmn:incoming>head_check_back_flow</bpmn:incoming>\n      <bpmn:outgoing>visit_done_flow", 1)
    xml = xml.replace("<bpmn:flowNodeRef>call_door_to_door_visit</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>call_door_to_door_visit</bpmn:flowNodeRef>\n"
                      "        <bpmn:flowNodeRef>head_check</bpmn:flowNodeRef>\n"
                      "        <bpmn:flowNodeRef>head_check_gateway</bpmn:flowNodeRef>", 1)
    # Drawn too, so the viewers on the process and case pages import every element.
    xml = xml.replace("</bpmndi:BPMNPlane>", DRAWN, 1)
    assert xml.count("head_check_ok_flow") == 6 and xml.count("head_check_back_flow") == 5
    return xml


def publish_definition(schema=SCHEMA, code=CODE, create=True):
    """Save and publish ``schema`` as definition ``code`` through the service; the version."""
    from webapp.services.admin import form_definitions

    form_definitions.save_draft(code, "村主任核实表", "Village head check form", schema, user("admin"), create=create)
    version = form_definitions.publish(code, user("admin"))
    db.session.commit()
    return version


def registration_files():
    """The current registration_case bundle."""
    return dict(DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one().files)
