"""One labelling layer: every coded value that can reach a page or an export, with its label.

Templates reach it through the ``label`` filter (``value|label('decision')``) and the person
record through ``record_rows``; a value no list knows is shown as stored (it is then data, such
as a name), never a Python literal: None is empty, True/False are 是/否.
"""
from flask_babel import lazy_gettext as _l

from . import codes

YES_NO = {True: _l("是"), False: _l("否")}
PROBLEM_OUTCOMES = (("id_corrected", _l("已更正身份证号")), ("records_merged", _l("已合并重复记录")),
                    ("contribution_stopped", _l("已停止重复缴费")), ("benefit_stopped", _l("已停发并追回待遇")),
                    ("not_a_problem", _l("经核实不是问题")))
# The outcomes of an employer inspection (用工检查), the decision of its re-check step.
INSPECTION_OUTCOMES = (("rectified", _l("已整改参保")), ("penalised", _l("已依法处罚")),
                       ("closed", _l("单位已注销或停业，结案")), ("not_liable", _l("不属于参保责任单位")))
GROUPS = {
    # Decisions of review tasks, visit results and problem outcomes all land in the timeline's 结论.
    "decision": {"approve": _l("通过"), "return": _l("退回"), "reject": _l("不予变更"),
                 "completed": _l("已完成入户"), "not_at_home": _l("未遇到人，需再访"), **dict(PROBLEM_OUTCOMES),
                 "issued": _l("已送达整改通知"), **dict(INSPECTION_OUTCOMES)},
    "run_status": {"queued": _l("排队中"), "running": _l("比对中"), "done": _l("已完成"), "failed": _l("失败")},
    "result_status": {"confirmed": _l("已确认"), "problem": _l("问题数据"), "uninsured": _l("未参保"),
                      "not_target": _l("非登记对象")},
    # The comparison's problem types (intake/compare.PROBLEM_LABELS names them in stored details).
    "problem_type": {"invalid_id": _l("身份证号无效"), "name_conflict": _l("姓名与身份证号不一致"),
                     "duplicate_pension": _l("重复参加基本养老保险"), "duplicate_medical": _l("重复参加基本医疗保险"),
                     "duplicate_benefit": _l("重复领取养老待遇"), "benefit_after_death": _l("死亡后仍领取待遇")},
    "run_change": {"appeared": _l("新出现"), "disappeared": _l("已消失"), "problems": _l("问题有变化")},
    "case_kind": {"registration": _l("入户登记"), "dynamic_change": _l("动态变更"), "problem": _l("问题数据"),
                  "survey": _l("定期调查"), "spot_check": _l("工作质量抽查"), "summary": _l("工作总结"),
                  "employer_inspection": _l("用工检查"), "process": _l("自建流程"),
                  "expansion": _l("参保扩面")},
    "case_status": {"open": _l("办理中"), "completed": _l("已办结")},
    "missing": {"pension": _l("缺养老"), "medical": _l("缺医疗"), "pension;medical": _l("缺养老和医疗")},
    "change_kind": {"death": _l("死亡"), "move_out": _l("迁出本县"), "move_in": _l("迁入本县"),
                    "birth": _l("新生儿"), "household_split": _l("分户"), "household_merge": _l("并户"),
                    "status": _l("人员状态变更"), "scheme": _l("险种变更"), "correction": _l("信息更正")},
    "change_status": {"open": _l("待审核"), "applied": _l("已生效"), "rejected": _l("已驳回"),
                      "refused": _l("未生效（值已被改动）")},
    "change_origin": {"agency": _l("经办机构"), "township": _l("乡镇"), "village": _l("村(社区)"),
                      "comparison": _l("信息比对自动生成")},
    "contact_outcome": {"not_reached": _l("未联系上"), "reached": _l("已联系"), "explained": _l("已宣传政策"),
                        "willing": _l("有参保意愿"), "enrolled_elsewhere": _l("已在他处参保"), "refused": _l("拒绝参保")},
    "expansion_group": {"enterprise_employee": _l("私营企业和小微企业从业人员"), "migrant_worker": _l("农民工"),
                        "unemployed": _l("城镇失业人员"), "flexible": _l("灵活就业人员"), "mobile": _l("流动就业人员"),
                        "farmer": _l("农村居民"), "other": _l("其他未参保人员")},
    "drive_status": {"open": _l("进行中"), "closed": _l("已结束")},
    "contact_role": {"village": _l("村(社区)协理员"), "township": _l("乡镇社保所")},
    "survey_outcome": {"pending": _l("待调查"), "confirmed": _l("无变化，已确认"), "changes_raised": _l("已申报变更")},
    "spot_result": {"pending": _l("待核实"), "confirmed": _l("核实无误"), "wrong_field": _l("信息有误"),
                    "fabricated": _l("虚假入户")},
    "spot_verifier": {"township": _l("乡镇核实（入户回访）"), "county": _l("县级核实（电话回访）")},
    "summary_status": {"open": _l("待报送"), "submitted": _l("待审核"), "returned": _l("已退回"),
                       "approved": _l("已通过"), "written": _l("已完成")},
    "record_source": {"survey": _l("入户调查"), "change": _l("动态变更"), "comparison": _l("信息比对")},
    # Offline visits: photos of documents, and why an entry made offline was kept, not applied.
    "photo_kind": {"id_front": _l("身份证正面"), "id_back": _l("身份证反面"), "hukou": _l("户口簿本人页")},
    "offline_reason": {"reassigned": _l("离线期间任务已改派"), "finished": _l("离线期间任务已办结或退回"),
                       "changed": _l("离线期间案件有新的办理记录")},
    "offline_kind": {"form": _l("登记表"), "visit": _l("入户结果"), "survey_confirm": _l("调查确认"),
                     "survey_change": _l("调查申报变更"), "survey_done": _l("调查提交")},
    "inspection_outcome": dict(INSPECTION_OUTCOMES),
    "employer_reason": {"by_code": _l("按统一社会信用代码匹配"), "by_name": _l("按单位名称匹配"),
                        "no_enrollment": _l("无参保记录"), "terminated_only": _l("仅有终止参保记录"),
                        "cancelled": _l("已注销或吊销")},
    "employer_change": {"new_uninsured": _l("新增未参保"), "now_insured": _l("已转为参保")},
    "employer_source": {"market_supervision": _l("企业（市场监管）"), "civil_affairs": _l("社会组织（民政）")},
    "employer_status": {"uninsured": _l("未参保单位"), "insured": _l("已参保单位"), "not_target": _l("已注销单位")},
    "inspection_status": {"open": _l("检查中"), "closed": _l("已结案")},
    "inspection_reason": {"uninsured": _l("未参保单位"), "new": _l("本年新登记单位"), "cancelled": _l("本年注销单位"),
                          "annual": _l("年审"), "other": _l("其他线索")},
}
# Stored into problem records' details (data, kept in Chinese like case titles), so not lazy.
ID_ERRORS_ZH = {"empty": "为空", "unsupported_type": "类型无法识别", "excel_number": "被转为数字",
                "excel_scientific": "科学计数法", "excel_decimal": "被转为数字", "bad_chars": "含非法字符",
                "x_position": "X 位置错误", "length_17": "位数错误", "length": "位数错误", "check_char": "校验位错误",
                "birth_date_invalid": "出生日期无效", "birth_date_future": "出生日期晚于今天",
                "birth_date_too_early": "出生日期过早", "area_unknown": "地区码无效"}
# The registration record's fields, in the order of the 全民参保登记表, with their code lists.
RECORD_FIELDS = (
    ("sex", _l("性别"), "SEX"), ("ethnicity", _l("民族"), None), ("phone", _l("联系电话"), None),
    ("hukou_address", _l("户籍所在地"), None), ("current_address", _l("现居住地"), None),
    ("relation_to_head", _l("与户主关系"), "RELATION"), ("household_type", _l("户口性质"), "HOUSEHOLD_TYPE"),
    ("status", _l("人员状态"), "PERSON_STATUS"), ("employed", _l("就业"), None), ("employer", _l("工作单位"), None),
    ("flexible_employment", _l("灵活就业"), None), ("migrant_worker", _l("农民工"), None),
    ("pension_scheme", _l("基本养老保险"), "PENSION_SCHEMES"), ("pension_where", _l("养老保险参保地"), "INSURED_WHERE"),
    ("pension_since", _l("首次参保日期"), None), ("medical_scheme", _l("基本医疗保险"), "MEDICAL_SCHEMES"),
    ("medical_where", _l("医疗保险参保地"), "INSURED_WHERE"), ("unemployment", _l("失业保险"), None),
    ("work_injury", _l("工伤保险"), None), ("maternity", _l("生育保险"), None),
    ("uninsured_reason", _l("未参保原因"), "UNINSURED_REASONS"), ("willing_to_enroll", _l("参保意愿"), "WILLINGNESS"),
    ("willing_scheme", _l("意愿参保险种"), "SCHEMES"), ("outcome_code", _l("调查结果"), "OUTCOME_CODES"),
    ("policy_explained", _l("已宣传参保政策"), None), ("signature", _l("签字确认"), "SIGNATURE"),
    ("insured", _l("已参保"), None), ("note", _l("备注"), None),
)
_LISTS = {"SCHEMES": codes.PENSION_SCHEMES + codes.MEDICAL_SCHEMES[1:]}


def _code_list(name):
    return dict(_LISTS.get(name) or getattr(codes, name))


def label(value, group):
    """The label of ``value`` in ``group`` (a group above or a code list of ``webapp.codes``)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(YES_NO[value])
    known = GROUPS.get(group)
    if known is None:
        known = _code_list(group)
    return str(known.get(value, value))


def plain(value):
    """A free value as text: None empty, booleans 是/否."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(YES_NO[value])
    return str(value)


def record_rows(data):
    """(label, text) of a registration record's filled fields, in the form's order; empty fields stay quiet."""
    rows = []
    for key, title, code_list in RECORD_FIELDS:
        value = (data or {}).get(key)
        if value in (None, "") or (value is False and key not in ("insured",)):
            continue
        rows.append((title, label(value, code_list) if code_list and not isinstance(value, bool) else plain(value)))
    return rows


def _field_text(value, code_list):
    if value in (None, ""):
        return "—"
    return label(value, code_list) if code_list and not isinstance(value, bool) else plain(value)


# Fields a change request may touch besides the form's: shown in history and on the review page.
CHANGE_FIELDS = (("name", _l("姓名"), None), ("household", _l("户号"), None), ("person", _l("新增人员"), None))


def field_title(key):
    """The words for a registration field (a change request's ``field``)."""
    for name, title, _list in CHANGE_FIELDS + RECORD_FIELDS:
        if name == key:
            return title
    return key


def field_value(key, value):
    """A field's value in words (codes through their list; a new person's dict as name and ID)."""
    if isinstance(value, dict):
        return " ".join(plain(value.get(k)) for k in ("name", "id_number", "household_number") if value.get(k))
    for name, _title, code_list in CHANGE_FIELDS + RECORD_FIELDS:
        if name == key:
            return _field_text(value, code_list)
    return _field_text(value, None)


def _flat(snapshot):
    # A record snapshot keeps the form's fields under "data"; a change request's rows are flat.
    snapshot = snapshot or {}
    return {**(snapshot.get("data") or {}), **snapshot} if isinstance(snapshot.get("data"), dict) else snapshot


def changed_rows(before, after):
    """(label, before text, after text) of each registration field a change altered, in the form's order."""
    rows = []
    before, after = _flat(before), _flat(after)
    for key, title, code_list in CHANGE_FIELDS + RECORD_FIELDS:
        old, new = (before or {}).get(key), (after or {}).get(key)
        if old == new or (old in (None, "") and new in (None, "")):
            continue
        rows.append((title, _field_text(old, code_list), _field_text(new, code_list)))
    return rows


def run_change(key):
    """A line of a run's differences from the previous run (``uninsured->confirmed`` → 未参保 → 已确认)."""
    if "->" in key:
        before, after = key.split("->", 1)
        return f"{label(before, 'result_status')} → {label(after, 'result_status')}"
    return label(key, "run_change")


def event_comment(event):
    """A timeline line's comment; counts get their words (写入登记库 3 → 3 人)."""
    if event.kind == "registry_applied" and (event.comment or "").isdigit():
        return _l("%(n)s 人", n=event.comment)
    return event.comment or ""
