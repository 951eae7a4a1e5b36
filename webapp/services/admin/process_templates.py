"""New top-level processes from templates, without code.

An administrator picks a template (核查走访: a step, then a review that approves or returns;
单步任务: one step), names the process in both languages, chooses the role that may start it,
the subject it is started on (a household or a person) and each step's role and form kind. The
template writes a BPMN diagram (lanes by role, user tasks with their properties, the start rule
on the process element) and stores it as the draft of the new process id; the administrator
then opens it in the modeler, validates and deploys it through the usual services
(process_editing). The caller commits.
"""
import re
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from flask_babel import lazy_gettext as _l

from ... import form_kinds
from ...engine.catalogue import processes_of
from ...engine.diagrams import LANE_ROLES
from ...extensions import db
from ...models import DiagramVersion, ProcessDraft
from ...models.base import utcnow
from .. import audit
from . import form_definitions
from .shipped import TOP_LEVEL_PROCESSES

SUBJECTS = {"household": _l("户"), "person": _l("人员")}
PROCESS_ID = re.compile(r"^[a-z][a-z0-9_]{2,39}$")
CREATED_MESSAGE = _l("已按模板生成流程图草稿：请在图中检查后校验并部署；部署前不影响任何案件。")
# Default deadline and reminder of a template's steps (editable in the modeler).
DEFAULT_DEADLINE, DEFAULT_REMINDER = "P10D", "P5D"


@dataclass(frozen=True)
class TemplateStep:
    """One user task a template draws: its id, default titles and default form kind."""

    task_id: str
    name: str
    title_en: str
    form: str


@dataclass(frozen=True)
class Template:
    """A process shape an administrator fills in."""

    code: str
    label: object
    description: object
    steps: tuple


TEMPLATES = {t.code: t for t in (
    Template("verify_visit", _l("核查走访"),
             _l("第一个岗位在户或人员上核查走访并记录情况，第二个岗位审核：通过则办结，退回则重新核查。"),
             (TemplateStep("verify_step", "核查走访", "Verification visit", "investigate"),
              TemplateStep("review_step", "核查审核", "Review of the verification", "approve_return"))),
    Template("single_task", _l("单步任务"), _l("选定岗位办理一项任务后办结。"),
             (TemplateStep("task_step", "办理任务", "Task", "investigate"),)),
)}


class TemplateRefused(Exception):
    """The template cannot be filled in as asked; the message says why, in the user's language."""


def template_choices():
    """(code, label) of every template."""
    return [(code, str(t.label)) for code, t in TEMPLATES.items()]


def check_process_id(process_id):
    """Raise TemplateRefused unless ``process_id`` is a free, well-formed process id."""
    if not PROCESS_ID.match(process_id or ""):
        raise TemplateRefused(_l("流程标识须以小写英文字母开头，只含小写字母、数字和下划线，长 3 至 40 个字符。"))
    # Also the processes a deployed bundle calls (distribution, county_audit…): one id, one process.
    called = {pid for version in DiagramVersion.query.filter_by(is_current=True) for pid in processes_of(version)}
    taken = (process_id in TOP_LEVEL_PROCESSES or process_id in called
             or DiagramVersion.query.filter_by(process_id=process_id).first() is not None
             or ProcessDraft.query.filter_by(process_id=process_id).first() is not None)
    if taken or any(process_id == s.task_id for t in TEMPLATES.values() for s in t.steps):
        raise TemplateRefused(_l("流程标识 %(id)s 已被使用，请换一个。", id=process_id))


# ---- the diagram ------------------------------------------------------------------------------
_POOL_X, _LANE_X, _TOP, _LANE_H, _STEP_DX = 120, 150, 80, 160, 260


def _props(pairs, indent):
    lines = [f'{indent}<bpmn:extensionElements>', f'{indent}  <spiffworkflow:properties>']
    lines += [f'{indent}    <spiffworkflow:property name="{name}" value={quoteattr(value)} />'
              for name, value in pairs if value]
    return lines + [f'{indent}  </spiffworkflow:properties>', f'{indent}</bpmn:extensionElements>']


class _Drawing:
    """Collects process elements and their shapes while the template is laid out."""

    def __init__(self, lanes):
        self.lanes = lanes
        self.nodes, self.flows, self.shapes, self.edges = [], [], [], []
        self.in_lane = {role: [] for role in lanes}
        self.incoming, self.outgoing = {}, {}

    def centre_y(self, role):
        return _TOP + self.lanes.index(role) * _LANE_H + _LANE_H // 2

    def shape(self, element_id, role, x, w, h):
        cy = self.centre_y(role)
        self.in_lane[role].append(element_id)
        self.shapes.append((element_id, x, cy - h // 2, w, h))
        return (x, cy, w, h)

    def flow(self, flow_id, source, target, points, condition=None):
        self.flows.append((flow_id, source, target, condition))
        self.outgoing.setdefault(source, []).append(flow_id)
        self.incoming.setdefault(target, []).append(flow_id)
        self.edges.append((flow_id, points))


def _straight(a, b):
    """Waypoints from the right of box ``a`` to the left of box ``b`` (an elbow between lanes)."""
    ax, ay, aw, _ah = a
    bx, by, _bw, _bh = b
    if ay == by:
        return [(ax + aw, ay), (bx, by)]
    mid = (ax + aw + bx) // 2
    return [(ax + aw, ay), (mid, ay), (mid, by), (bx, by)]


def _loop_back(gateway, task):
    """Waypoints from a gateway back to an earlier task, below or above it."""
    gx, gy, gw, _gh = gateway
    tx, ty, tw, th = task
    gcx, tcx = gx + gw // 2, tx + tw // 2
    sign = 1 if ty <= gy else -1  # the earlier task is above or in the same lane: enter it from below
    start = (gcx, gy + sign * 25) if ty == gy or sign < 0 else (gcx, gy - 25)
    level = ty + sign * (th // 2 + 20)
    return [start, (gcx, level), (tcx, level), (tcx, ty + sign * th // 2)]


def build_xml(process_id, name_zh, name_en, start_role, subject, steps, definitions=()):
    """The BPMN file of a new process. ``steps``: [(TemplateStep, role, form kind)] in order;
    ``definitions``: per step, the code of a form defined as data ("" for none).

    A step whose form kind can send work back (FormKind.returns) is followed by a gateway that
    returns to the previous step on that decision; the other decisions go on.
    """
    lanes = list(dict.fromkeys(role for _step, role, _form in steps))
    d = _Drawing(lanes)
    start_id, end_id = f"{process_id}_start", f"{process_id}_end"
    previous = d.shape(start_id, lanes[0], 200, 36, 36)
    d.nodes.append(("startEvent", start_id, "开始", []))
    previous_id, x, task_boxes = start_id, 300, []
    for index, (step, role, form) in enumerate(steps):
        kind = form_kinds.kind(form)
        box = d.shape(step.task_id, role, x, 100, 80)
        definition = definitions[index] if index < len(definitions) else ""
        props = [("form", form), ("form_definition", definition), ("title_en", step.title_en),
                 ("decision_variable", f"{step.task_id}_decision"),
                 ("comment_variable", f"{step.task_id}_comment"), ("reminder", DEFAULT_REMINDER),
                 ("deadline", DEFAULT_DEADLINE)]
        d.nodes.append(("userTask", step.task_id, step.name, props))
        flow_id = f"{previous_id}_on" if previous_id.endswith("_gateway") else f"{previous_id}_to_{step.task_id}"
        d.flow(flow_id, previous_id, step.task_id, _straight(previous, box))
        task_boxes.append(box)
        previous, previous_id, x = box, step.task_id, x + _STEP_DX
        if kind is not None and kind.returns and index > 0:
            # A return goes back to the step before; any other decision goes on (the default flow).
            gateway_id = f"{step.task_id}_gateway"
            gateway = d.shape(gateway_id, role, x - 100, 50, 50)
            d.nodes.append(("exclusiveGateway", gateway_id, "", [("default", f"{gateway_id}_on")]))
            d.flow(f"{step.task_id}_to_{gateway_id}", step.task_id, gateway_id, _straight(box, gateway))
            d.flow(f"{gateway_id}_return", gateway_id, steps[index - 1][0].task_id,
                   _loop_back(gateway, task_boxes[index - 1]),
                   f"{step.task_id}_decision == '{kind.returns[0]}'")
            previous, previous_id, x = gateway, gateway_id, x + 20
    end = d.shape(end_id, steps[-1][1], x, 36, 36)
    d.nodes.append(("endEvent", end_id, "办结", []))
    flow_id = f"{previous_id}_on" if previous_id.endswith("_gateway") else f"{previous_id}_to_end"
    d.flow(flow_id, previous_id, end_id, _straight(previous, end))
    return _render(process_id, name_zh, name_en, start_role, subject, d, x + 120)


def _render(process_id, name_zh, name_en, start_role, subject, d, width):
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
           'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
           'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
           f'id="{process_id}_definitions" targetNamespace="http://bpmn.io/schema/bpmn">',
           f'  <bpmn:collaboration id="{process_id}_collaboration">',
           f'    <bpmn:participant id="{process_id}_participant" name={quoteattr(name_zh)} processRef="{process_id}" />',
           '  </bpmn:collaboration>',
           f'  <bpmn:process id="{process_id}" name={quoteattr(name_zh)} isExecutable="true">']
    out += _props([("title_en", name_en), ("start_role", start_role), ("subject", subject)], "    ")
    out.append(f'    <bpmn:laneSet id="{process_id}_lane_set">')
    for role in d.lanes:
        out.append(f'      <bpmn:lane id="{process_id}_lane_{role}" name="{role}">')
        out += [f'        <bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>' for node in d.in_lane[role]]
        out.append('      </bpmn:lane>')
    out.append('    </bpmn:laneSet>')
    for tag, node_id, name, props in d.nodes:
        attrs = f' name={quoteattr(name)}' if name else ""
        if tag == "exclusiveGateway":
            attrs += f' default="{props[0][1]}"'
            props = []
        out.append(f'    <bpmn:{tag} id="{node_id}"{attrs}>')
        if props:
            out += _props(props, "      ")
        out += [f'      <bpmn:incoming>{f}</bpmn:incoming>' for f in d.incoming.get(node_id, [])]
        out += [f'      <bpmn:outgoing>{f}</bpmn:outgoing>' for f in d.outgoing.get(node_id, [])]
        out.append(f'    </bpmn:{tag}>')
    for flow_id, source, target, condition in d.flows:
        if condition:
            out += [f'    <bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">',
                    f'      <bpmn:conditionExpression>{condition.replace("&", "&amp;").replace("<", "&lt;")}'
                    '</bpmn:conditionExpression>', '    </bpmn:sequenceFlow>']
        else:
            out.append(f'    <bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />')
    out.append('  </bpmn:process>')
    out += _diagram(process_id, d, width)
    out.append('</bpmn:definitions>')
    return "\n".join(out) + "\n"


def _diagram(process_id, d, width):
    height = len(d.lanes) * _LANE_H
    out = [f'  <bpmndi:BPMNDiagram id="{process_id}_diagram">',
           f'    <bpmndi:BPMNPlane id="{process_id}_plane" bpmnElement="{process_id}_collaboration">',
           f'      <bpmndi:BPMNShape id="{process_id}_participant_di" bpmnElement="{process_id}_participant" '
           f'isHorizontal="true"><dc:Bounds x="{_POOL_X}" y="{_TOP}" width="{width - _POOL_X}" height="{height}" />'
           '</bpmndi:BPMNShape>']
    for index, role in enumerate(d.lanes):
        out.append(f'      <bpmndi:BPMNShape id="{process_id}_lane_{role}_di" bpmnElement="{process_id}_lane_{role}" '
                   f'isHorizontal="true"><dc:Bounds x="{_LANE_X}" y="{_TOP + index * _LANE_H}" '
                   f'width="{width - _LANE_X}" height="{_LANE_H}" /></bpmndi:BPMNShape>')
    for element_id, x, y, w, h in d.shapes:
        out.append(f'      <bpmndi:BPMNShape id="{element_id}_di" bpmnElement="{element_id}">'
                   f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>')
    for flow_id, points in d.edges:
        out.append(f'      <bpmndi:BPMNEdge id="{flow_id}_di" bpmnElement="{flow_id}">'
                   + "".join(f'<di:waypoint x="{px}" y="{py}" />' for px, py in points) + '</bpmndi:BPMNEdge>')
    return out + ['    </bpmndi:BPMNPlane>', '  </bpmndi:BPMNDiagram>']


def _check_definitions(steps, definitions):
    """Raise TemplateRefused naming the first step whose form definition is unknown or unpublished:
    a task of such a step could never show its form."""
    for step, code in zip(steps, definitions):
        if code and form_definitions.published_version(code) is None:
            raise TemplateRefused(_l("环节“%(step)s”的数据表单 %(code)s 不存在或尚未发布，请先在表单设计中发布，"
                                     "或留空。", step=step.name, code=code))


# ---- the draft --------------------------------------------------------------------------------
def create_from_template(template_code, process_id, name_zh, name_en, start_role, subject, step_roles, step_forms,
                         user, step_definitions=()):
    """Store the filled-in template as the draft of the new process ``process_id``; audited.

    ``step_roles`` / ``step_forms``: one role code and one form kind per template step;
    ``step_definitions``: for a step whose form is defined as data, the code of its definition
    (its ``form_definition`` property; the modeler's validation checks it).
    Raises TemplateRefused when a choice is not allowed. Returns the draft.
    """
    template = TEMPLATES.get(template_code)
    if template is None:
        raise TemplateRefused(_l("请选择模板。"))
    check_process_id(process_id)
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    if not name_zh:
        raise TemplateRefused(_l("请填写流程的中文名称。"))
    if start_role not in LANE_ROLES or subject not in SUBJECTS:
        raise TemplateRefused(_l("请选择发起岗位和办理对象。"))
    if len(step_roles) != len(template.steps) or len(step_forms) != len(template.steps):
        raise TemplateRefused(_l("请为每个环节选择岗位和表单类型。"))
    for role, form in zip(step_roles, step_forms):
        if role not in LANE_ROLES or form_kinds.kind(form) is None:
            raise TemplateRefused(_l("请为每个环节选择岗位和表单类型。"))
    definitions = [(code or "").strip() for code in step_definitions or ()] + [""] * len(template.steps)
    _check_definitions(template.steps, definitions)
    xml = build_xml(process_id, name_zh, name_en, start_role, subject,
                    list(zip(template.steps, step_roles, step_forms)), definitions)
    draft = ProcessDraft(process_id=process_id, base_version_id=None, files={f"{process_id}.bpmn": xml},
                         updated_by_id=getattr(user, "id", None), updated_at=utcnow())
    db.session.add(draft)
    audit.record(user, "process_created_from_template", "process", process_id, detail=template_code)
    return draft
