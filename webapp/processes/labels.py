"""Chinese (translatable) names of BPMN element types and of the aspects a diff compares."""
from flask_babel import lazy_gettext as _l

ELEMENT_TYPES = {
    "process": _l("流程"), "participant": _l("参与者（池）"), "collaboration": _l("协作"), "lane": _l("泳道"),
    "userTask": _l("用户任务"), "serviceTask": _l("服务任务"), "scriptTask": _l("脚本任务"),
    "manualTask": _l("手工任务"), "task": _l("任务"), "sendTask": _l("发送任务"), "receiveTask": _l("接收任务"),
    "businessRuleTask": _l("业务规则任务"), "callActivity": _l("调用活动"), "subProcess": _l("子流程"),
    "startEvent": _l("开始事件"), "endEvent": _l("结束事件"), "boundaryEvent": _l("边界事件"),
    "intermediateCatchEvent": _l("中间捕获事件"), "intermediateThrowEvent": _l("中间抛出事件"),
    "exclusiveGateway": _l("排他网关"), "parallelGateway": _l("并行网关"), "inclusiveGateway": _l("包容网关"),
    "eventBasedGateway": _l("事件网关"), "sequenceFlow": _l("顺序流"), "messageFlow": _l("消息流"),
    "dataObject": _l("数据对象"), "dataObjectReference": _l("数据对象引用"), "dataStoreReference": _l("数据存储引用"),
    "textAnnotation": _l("注释"), "association": _l("关联"),
}

DIFF_ASPECTS = {
    "type": _l("类型"), "name": _l("名称"), "attributes": _l("属性"), "incoming": _l("流入连线"),
    "outgoing": _l("流出连线"), "timer": _l("计时器"), "condition": _l("条件"), "script": _l("脚本"),
    "event": _l("事件定义"), "extensions": _l("服务操作与扩展设置"),
}

# Service task operators (engine/rules.py SERVICE_OPERATORS) as the modeler names them.
OPERATOR_LABELS = {
    "registry_apply": _l("写入登记库"), "apply_change": _l("执行登记信息变更"), "notify_reminder": _l("发送催办提醒"),
    "escalate_task": _l("逾期上报督查"), "close_problem": _l("关闭问题数据"),
}

CHANGE_KINDS = {"added": _l("新增"), "removed": _l("删除"), "changed": _l("修改")}


def element_type(local_name):
    """The label of a BPMN element type (its XML name when we have none)."""
    return ELEMENT_TYPES.get(local_name, local_name)

PROCESS_LABELS = {
    "registration_case": _l("参保登记入户调查案件"), "dynamic_change": _l("登记信息变更"),
    "problem_data": _l("参保问题数据处理"), "village_survey": _l("定期调查"),
    "spot_check": _l("工作质量抽查"), "campaign_summary": _l("乡镇工作总结"),
    "employer_inspection": _l("用工检查"),
}
# Deploy comments the system writes itself (stored in English as data), shown translated.
SYSTEM_COMMENTS = {"shipped diagrams": _l("随系统发布的流程图")}


def process_label(process_id):
    """A process's name in the interface language (its id when it has none)."""
    return str(PROCESS_LABELS.get(process_id, process_id))


def deploy_comment(comment):
    """A deploy comment; the system's own comments translated."""
    return str(SYSTEM_COMMENTS.get(comment, comment or "—"))
