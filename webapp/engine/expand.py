"""Deadlines as two properties: a user task's ``deadline`` / ``reminder`` expanded into timers.

An administrator gives a user task a deadline and a reminder as two ISO 8601 durations in its
``spiffworkflow:properties`` (see docs/process-contract.md). Before the engine parses a file,
each such task gets the boundary-timer boilerplate the runtime reads: a non-interrupting timer
``<task>_reminder`` → service task ``<task>_notify`` (operator ``notify_reminder``) → end, and
``<task>_deadline`` → ``<task>_escalate`` (``escalate_task``) → end, in the task's lane. The ids
are the ones older diagrams carry by hand, so the runtime, migration and heatmap see no
difference; a diagram that already has them (an older version) is left as it is.
"""
from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# property name -> (boundary suffix, service suffix, operator, result suffix, timer name, service name, end name)
TIMER_KINDS = {
    "reminder": ("_reminder", "_notify", "notify_reminder", "_reminder_result", "提醒", "发送催办提醒", "已提醒"),
    "deadline": ("_deadline", "_escalate", "escalate_task", "_escalation_result", "期限", "逾期上报督查", "已上报"),
}


def _b(local):
    return f"{{{BPMN_NS}}}{local}"


def _s(local):
    return f"{{{SPIFF_NS}}}{local}"


def task_properties(element):
    """{name: value} of an element's ``spiffworkflow:properties``."""
    found = {}
    for prop in element.iterfind(f"{_b('extensionElements')}/{_s('properties')}/{_s('property')}"):
        if prop.get("name"):
            found[prop.get("name")] = prop.get("value") or ""
    return found


def _sub(parent, tag, **attrs):
    return etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})


def _chain(process, task, kind, duration, lane):
    """Insert one timer chain for ``task`` right after it; returns the new flow node ids."""
    boundary_sfx, service_sfx, operator, result_sfx, timer_name, service_name, end_name = TIMER_KINDS[kind]
    tid = task.get("id")
    boundary_id, service_id, end_id = tid + boundary_sfx, tid + service_sfx, tid + boundary_sfx + "_end"
    first_flow, second_flow = boundary_id + "_flow", service_id + "_flow"
    made = []
    boundary = etree.Element(_b("boundaryEvent"), id=boundary_id, name=timer_name, cancelActivity="false",
                             attachedToRef=tid)
    etree.SubElement(boundary, _b("outgoing")).text = first_flow
    timer = etree.SubElement(boundary, _b("timerEventDefinition"), id=boundary_id + "_timer")
    etree.SubElement(timer, _b("timeDuration"), {f"{{{XSI_NS}}}type": "bpmn:tFormalExpression"}).text = \
        f'"{duration}"'
    made.append(boundary)
    service = etree.Element(_b("serviceTask"), id=service_id, name=service_name)
    ext = etree.SubElement(service, _b("extensionElements"))
    op = etree.SubElement(ext, _s("serviceTaskOperator"), id=operator, resultVariable=tid + result_sfx)
    params = etree.SubElement(op, _s("parameters"))
    etree.SubElement(params, _s("parameter"), id="task", type="str", value=f"'{tid}'")
    etree.SubElement(service, _b("incoming")).text = first_flow
    etree.SubElement(service, _b("outgoing")).text = second_flow
    made.append(service)
    end = etree.Element(_b("endEvent"), id=end_id, name=end_name)
    etree.SubElement(end, _b("incoming")).text = second_flow
    made.append(end)
    made.append(etree.Element(_b("sequenceFlow"), id=first_flow, sourceRef=boundary_id, targetRef=service_id))
    made.append(etree.Element(_b("sequenceFlow"), id=second_flow, sourceRef=service_id, targetRef=end_id))
    position = list(process).index(task)
    for offset, element in enumerate(made, start=1):
        process.insert(position + offset, element)
    if lane is not None:
        for node_id in (boundary_id, service_id, end_id):
            etree.SubElement(lane, _b("flowNodeRef")).text = node_id
    return [boundary_id, service_id, end_id]


def expand_root(root):
    """Expand the deadline/reminder properties of every user task under ``root`` (in place)."""
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for process in root.iter(_b("process")):
        lanes = {}
        for lane in process.iter(_b("lane")):
            for ref in lane.iterfind(_b("flowNodeRef")):
                lanes[(ref.text or "").strip()] = lane
        for task in list(process.iterfind(_b("userTask"))):
            props = task_properties(task)
            for kind in ("reminder", "deadline"):
                duration = (props.get(kind) or "").strip()
                if not duration or task.get("id") + TIMER_KINDS[kind][0] in ids:
                    continue  # no such property, or a diagram that draws the timer itself
                ids.update(_chain(process, task, kind, duration, lanes.get(task.get("id"))))
    return root


def expand_xml(xml):
    """The text of a BPMN file with its deadline/reminder properties expanded (for tools and tests)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, parser)
    return etree.tostring(expand_root(root), encoding="unicode")
