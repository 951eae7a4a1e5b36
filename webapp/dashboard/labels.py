"""Words the dashboard and the bulletins show for measures, phases and table columns."""
from flask_babel import lazy_gettext as _l

MEASURE_LABELS = {
    "target": _l("目标户数"), "distributed": _l("已分发"), "visited": _l("已入户"),
    "first_reviewed": _l("已初审"), "audited": _l("已审核"), "registered": _l("已登记"),
    "enrolled_next": _l("下次比对已参保（人）"),
    "reviews": _l("审核次数"), "returned": _l("退回次数"), "overdue": _l("超期任务"),
    "completion_rate": _l("完成率(%)"), "return_rate": _l("退回率(%)"),
}
PHASE_LABELS = {
    "launch": _l("宣传发动"), "door_to_door": _l("入户调查"), "data_management": _l("数据管理"),
    "expansion": _l("扩面征缴"), "summary": _l("总结评估"),
}
COVERAGE_LABELS = {
    "targets": _l("目标人数"), "pension_before": _l("养老保险参保率·首次比对(%)"),
    "pension_now": _l("养老保险参保率·当前(%)"), "medical_before": _l("医疗保险参保率·首次比对(%)"),
    "medical_now": _l("医疗保险参保率·当前(%)"), "pension_gain": _l("新增养老参保人数"),
    "medical_gain": _l("新增医疗参保人数"),
}
BREAKDOWN_COLUMNS = ("target", "distributed", "visited", "first_reviewed", "audited", "registered",
                     "completion_rate", "overdue", "returned", "return_rate")
COVERAGE_COLUMNS = ("targets", "pension_before", "pension_now", "medical_before", "medical_now",
                    "pension_gain", "medical_gain")
# Completeness (村不漏户、户不漏人、人不漏项): kinds of gap, why a household or person is excluded, status.
GAP_LABELS = {"household": _l("漏户"), "member": _l("漏人"), "field": _l("漏项")}
GAP_DETAIL_LABELS = {"open_case": _l("登记案件尚无结果"), "no_case": _l("未参保且无登记案件、无说明")}
HOUSEHOLD_REASON_LABELS = {"moved_out": _l("户已迁出"), "empty": _l("空挂户"), "duplicate": _l("重复户"),
                           "other": _l("其他")}
PERSON_REASON_LABELS = {"deceased": _l("已死亡"), "moved_out": _l("已迁出"), "duplicate": _l("重复人员"),
                        "away": _l("长期不在本地居住"), "other": _l("其他")}
COMPLETENESS_STATUS_LABELS = {"complete": _l("村级完成"), "declared_new_gaps": _l("已确认完成，但有新缺口"),
                              "ready": _l("无缺口，待乡镇确认"), "gaps": _l("有缺口"),
                              "unchecked": _l("未检查")}
