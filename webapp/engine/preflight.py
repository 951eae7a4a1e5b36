"""Checks an uploaded BPMN file before the engine sees it, in words an administrator can act on.

Files come from other modelers (Camunda Modeler, Signavio, ARIS, Bonita…). The engine's own
errors are English and name Python objects; here every construct the product does not run is
found first and explained in Chinese (translated through Flask-Babel), naming the element by
its name (else its id) and saying what to change. Pure lxml: nothing is executed or resolved.
"""
import re

from flask_babel import gettext as _, lazy_gettext as _l
from lxml import etree

from .diagrams import LANE_ROLES, Problem
from .rules import SERVICE_OPERATORS

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_ISO_DURATION = re.compile(r"^(R\d*/)?P(?=\d|T)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$")
_ACTIVITIES = ("task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask", "receiveTask",
               "businessRuleTask", "callActivity", "subProcess")
_PNG = b"\x89PNG"
# BPMN constructs the product does not run, with the label the message uses.
_UNSUPPORTED = {"complexGateway": _l("复杂网关"), "transaction": _l("事务子流程"), "adHocSubProcess": _l("特别子流程"),
                "businessRuleTask": _l("业务规则任务"), "compensateEventDefinition": _l("补偿事件"),
                "escalationEventDefinition": _l("升级事件"), "conditionalEventDefinition": _l("条件事件"),
                "linkEventDefinition": _l("链接事件")}
_MAX_PROBLEMS = 50


def _q(local):
    return f"{{{BPMN_NS}}}{local}"


def _local(element):
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def label(element):
    """How a message names an element: 「its name」, else its id."""
    name = (element.get("name") or "").strip()
    if name:
        return f"「{name}」"
    return _("（标识 %(id)s）", id=element.get("id") or "?")


def _problem(file_name, element, message):
    return Problem(file_name, message, getattr(element, "sourceline", None), element.get("id") if element is not None else None)


def _decode(raw):
    """The text of an upload, or a Problem message saying why it is not a BPMN file."""
    if not raw or not raw.strip():
        return None, _("文件是空的：请在建模工具中把流程图导出为 BPMN 2.0 XML（.bpmn）后再上传。")
    if raw.startswith(_PNG) or raw[:3] == b"\xff\xd8\xff" or raw.startswith(b"%PDF") or raw.startswith(b"PK"):
        return None, _("文件不是 BPMN 流程图，而是图片、PDF 或压缩包：请上传建模工具导出的 BPMN 2.0 XML 文件，不要上传截图或工程包。")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, _("文件不是 UTF-8 编码的文本：请在建模工具中导出为 UTF-8 编码的 BPMN 2.0 XML。")


def _timer_problem(element, text):
    """Why a timer expression is not a quoted ISO 8601 duration/date, or None."""
    text = (text or "").strip()
    if not text:
        return _("计时器%(element)s没有设置时间：请填写 ISO 8601 时长，例如 \"P7D\"（7 天）。", element=label(element))
    if "${" in text or "#{" in text:
        return _("计时器%(element)s使用了 Camunda 表达式 %(text)s：本系统不支持，请写成带英文双引号的 ISO 8601 时长，例如 \"P7D\"。",
                 element=label(element), text=text)
    literal = text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else None
    if literal is None:
        if _ISO_DURATION.match(text) or _ISO_DATETIME.match(text):
            return _("计时器%(element)s的时间 %(text)s 缺少英文双引号：请写成 \"%(text)s\"。", element=label(element), text=text)
        if re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", text):
            return None  # a variable holding the time: checked by the restricted engine at deploy
        return _("计时器%(element)s的时间格式 %(text)s 无法识别（例如 cron 表达式）：请写成 ISO 8601 时长，例如 \"P7D\" 或 \"PT12H\"。",
                 element=label(element), text=text)
    if _ISO_DURATION.match(literal) or _ISO_DATETIME.match(literal):
        return None
    return _("计时器%(element)s的时间格式 %(text)s 无法识别：请写成 ISO 8601 时长，例如 \"P7D\"（7 天）或 \"PT12H\"（12 小时）。",
             element=label(element), text=text)


def _check_process(file_name, process, root, problems):
    add = lambda element, message: problems.append(_problem(file_name, element, message))  # noqa: E731
    if process.get("isExecutable") != "true":
        add(process, _("流程%(element)s未标记为可执行：请在建模工具中勾选“可执行”（isExecutable=\"true\"）。", element=label(process)))
    in_lane = {ref.text.strip() for ref in process.iter(_q("flowNodeRef")) if ref.text}
    lanes = list(process.iter(_q("lane")))
    for lane in lanes:
        if (lane.get("name") or "").strip() not in LANE_ROLES and lane.find(_q("childLaneSet")) is None:
            add(lane, _("泳道%(element)s不是系统角色：泳道名称必须是以下角色代码之一：%(roles)s。",
                        element=label(lane), roles="、".join(LANE_ROLES)))
    outgoing = {}
    for flow in process.iter(_q("sequenceFlow")):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    for element in process.iter():
        kind = _local(element)
        if kind == "userTask" and element.get("id") not in in_lane:
            add(element, _("用户任务%(element)s不在任何泳道中：请把它放进一个角色泳道（%(roles)s），系统按泳道把任务派给对应岗位。",
                           element=label(element), roles="、".join(LANE_ROLES)))
        if kind in _ACTIVITIES and len(outgoing.get(element.get("id"), [])) > 1:
            add(element, _("任务%(element)s有 %(count)s 条流出连线：请在它后面加一个排他网关（按条件走一条）或并行网关（同时走多条），任务本身只留一条流出连线。",
                           element=label(element), count=len(outgoing[element.get("id")])))
        if kind == "serviceTask":
            operator = element.find(f"{_q('extensionElements')}/{{{SPIFF_NS}}}serviceTaskOperator")
            if operator is None or not operator.get("id"):
                add(element, _("服务任务%(element)s没有指定服务操作：请选择允许的操作之一：%(operators)s。",
                               element=label(element), operators="、".join(SERVICE_OPERATORS)))
            elif operator.get("id") not in SERVICE_OPERATORS:
                add(element, _("服务任务%(element)s的服务操作 %(operator)s 不在允许清单中：请改为以下之一：%(operators)s。",
                               element=label(element), operator=operator.get("id"), operators="、".join(SERVICE_OPERATORS)))
        if kind == "scriptTask":
            script_format = (element.get("scriptFormat") or "python").lower()
            if script_format not in ("python", "text/x-python", "python3"):
                add(element, _("脚本任务%(element)s使用 %(format)s 脚本：本系统只执行受限的 Python 脚本，请改写为 Python。",
                               element=label(element), format=element.get("scriptFormat")))
        if kind in ("sendTask", "receiveTask") or element.find(_q("messageEventDefinition")) is not None:
            add(element, _("元素%(element)s使用消息（message）：本系统不收发消息，请改为用户任务，或用计时器等待。", element=label(element)))
        if element.find(_q("signalEventDefinition")) is not None:
            add(element, _("元素%(element)s使用信号（signal）：本系统不支持信号事件，请删除或改为用户任务。", element=label(element)))
        if kind in _UNSUPPORTED:
            owner = element.getparent() if kind.endswith("EventDefinition") else element
            add(owner, _("元素%(element)s是%(kind)s，本系统不支持：请改用用户任务、排他网关、并行网关或计时器表达同样的步骤。",
                         element=label(owner), kind=str(_UNSUPPORTED[kind])))
        if kind in ("dataStoreReference", "dataStore"):
            add(element, _("数据存储%(element)s不受支持（没有实现）：请删除它及其连线；案件数据保存在任务数据中。", element=label(element)))
        if kind == "timerEventDefinition":
            owner = element.getparent()
            for child in element:
                if _local(child) in ("timeDuration", "timeDate", "timeCycle"):
                    message = _timer_problem(owner, child.text)
                    if message:
                        add(owner, message)
        if kind == "userTask":
            _check_step(element, add)
        if kind == "conditionExpression" and "${" in (element.text or ""):
            flow = element.getparent()
            add(flow, _("连线%(element)s的条件 %(text)s 是 Camunda（JUEL）表达式：请写成 Python 表达式，例如 audit_decision == 'approve'。",
                        element=label(flow), text=element.text.strip()))


def _check_step(task, add):
    """A user task names a registered form kind, and its deadline/reminder are ISO 8601 durations."""
    from ..form_kinds import FORM_KINDS  # the one registry of form kinds
    from .expand import task_properties

    props = task_properties(task)
    form = (props.get("form") or "").strip()
    names = "、".join(str(each.label) for each in FORM_KINDS.values())
    if not form:
        add(task, _("用户任务%(element)s没有指定表单类型：请在属性面板中选择表单类型（%(kinds)s）。", element=label(task), kinds=names))
    elif form not in FORM_KINDS:
        add(task, _("用户任务%(element)s的表单类型 %(form)s 未登记：请改为以下之一：%(kinds)s。", element=label(task), form=form, kinds=names))
    elif FORM_KINDS[form].check is not None:
        for message in FORM_KINDS[form].check(props):
            add(task, _("用户任务%(element)s：%(message)s", element=label(task), message=message))
    for prop, what in (("deadline", _l("办理期限")), ("reminder", _l("提醒时间"))):
        value = (props.get(prop) or "").strip()
        if value and (not _ISO_DURATION.match(value) or value.startswith("R")):
            add(task, _("用户任务%(element)s的%(what)s %(value)s 不是 ISO 8601 时长：请写成例如 P7D（7 天）或 PT12H（12 小时）。",
                        element=label(task), what=str(what), value=value))


def check_upload(file_name, raw):
    """Problems of one uploaded file (bytes); an empty list when the engine may try it."""
    text, refusal = _decode(raw)
    if refusal:
        return [Problem(file_name, refusal)]
    try:
        root = etree.fromstring(text.encode("utf-8"), _SAFE_XML)
    except etree.XMLSyntaxError as err:
        return [Problem(file_name, _("不是有效的 XML（第 %(line)s 行附近有语法错误）：文件可能被截断或手工改坏，请在建模工具中重新导出。",
                                     line=err.lineno or 1), err.lineno)]
    if etree.QName(root).namespace != BPMN_NS or _local(root) != "definitions":
        return [Problem(file_name, _("根元素是 %(root)s，不是 BPMN 2.0 的 definitions：这可能是 Bonita、ARIS 或 Signavio 的专有格式，或 BPMN 1.x / XPDL。请在建模工具中“导出为 BPMN 2.0 XML”。",
                                     root=_local(root) or "?"))]
    processes = root.findall(_q("process"))
    if not processes:
        return [Problem(file_name, _("文件中没有流程（process）：请导出包含流程的 BPMN 2.0 文件，而不是只有图形或协作的文件。"))]
    problems = []
    pools = [p for p in root.iter(_q("participant")) if p.get("processRef")]
    if len(pools) > 1:
        problems.append(_problem(file_name, pools[1], _("文件有 %(count)s 个池（%(names)s）：本系统每个文件只执行一个流程，请把每个池拆成单独的文件，并用调用活动连接。",
                                                         count=len(pools), names="、".join(label(p) for p in pools))))
    for flow in root.iter(_q("messageFlow")):
        problems.append(_problem(file_name, flow, _("消息流%(element)s不受支持：池之间不能传递消息，请删除消息流，用调用活动或用户任务代替。", element=label(flow))))
    for process in processes:
        _check_process(file_name, process, root, problems)
    return problems[:_MAX_PROBLEMS]


_OBJECT_TEXT = re.compile(r"<[A-Za-z_.]+[^<>]* at 0x[0-9a-f]+>")


def explain(problem):
    """A problem as shown to an administrator: engine English replaced by a Chinese instruction."""
    message = problem.message
    missing = re.search(r"process '([^']+)' was not found", message)
    if missing:
        message = _("找不到被调用的流程 %(id)s：请先上传定义该流程的文件，或把调用活动的“被调用元素”改为已部署的流程。",
                    id=missing.group(1))
        return Problem(problem.file, message, problem.line, problem.element)
    english = re.search(r"[A-Za-z]{4,}(\s+[A-Za-z]{2,}){2,}", _OBJECT_TEXT.sub("", message))
    if english or _OBJECT_TEXT.search(message):
        where = _("元素 %(id)s", id=problem.element) if problem.element else _("文件 %(file)s", file=problem.file)
        message = _("流程引擎无法读取%(where)s：请检查它是否为本系统支持的 BPMN 2.0 元素并设置完整（泳道为角色、服务任务有服务操作、计时器为 ISO 8601 时长、调用的子流程已部署）。",
                    where=where)
    return Problem(problem.file, message, problem.line, problem.element)
