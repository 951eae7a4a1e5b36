"""Code lists of the registration form (全民参保登记表), as seen in real deployments."""
from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp

PERSON_STATUS = [("normal", _l("正常")), ("moved_away", _l("外出/迁出")), ("deceased", _l("死亡")),
                 ("serving_sentence", _l("服刑")), ("military", _l("服兵役")), ("abroad", _l("出国(境)")),
                 ("student", _l("在校学生"))]
SEX = [("M", _l("男")), ("F", _l("女"))]
HOUSEHOLD_TYPE = [("agricultural", _l("农业")), ("non_agricultural", _l("非农业"))]
# 子/女 need a context: 女 alone is also the sex "female".
RELATION = [("户主", _l("户主")), ("配偶", _l("配偶")), ("子", _lp("relation", "子")), ("女", _lp("relation", "女")),
            ("父亲", _l("父亲")), ("母亲", _l("母亲")), ("孙子", _l("孙子")), ("孙女", _l("孙女")),
            ("其他", _l("其他"))]
INSURED_WHERE = [("", _l("未参保")), ("local", _l("本县")), ("province", _l("省内其他地区")),
                 ("other_province", _l("外省"))]
PENSION_SCHEMES = [("", _l("未参加")), ("enterprise_pension", _l("企业职工基本养老保险")),
                   ("resident_pension", _l("城乡居民基本养老保险")),
                   ("civil_service_pension", _l("机关事业单位养老保险"))]
MEDICAL_SCHEMES = [("", _l("未参加")), ("employee_medical", _l("职工基本医疗保险")),
                   ("resident_medical", _l("城乡居民基本医疗保险"))]
UNINSURED_REASONS = [("", _l("（已参保，不适用）")), ("unwilling", _l("无参保意愿")),
                     ("hardship", _l("经济困难")), ("student", _l("在校学生")), ("military", _l("现役军人")),
                     ("sentence", _l("服刑")), ("abroad", _l("出国(境)")),
                     ("deceased_not_cancelled", _l("已死亡未销户")), ("empty_registration", _l("空挂户")),
                     ("hukou_elsewhere", _l("户口不在本地")), ("other", _l("其他"))]
WILLINGNESS = [("", _l("（不适用）")), ("yes", _l("愿意参保")), ("no", _l("不愿意")), ("undecided", _l("未决定"))]
OUTCOME_CODES = [("", _l("（请选择）")), ("200", _l("200 已参加省级企业职工养老保险")),
                 ("201", _l("201 已参加机关事业单位养老保险")), ("202", _l("202 已在外省参加职工养老保险")),
                 ("203", _l("203 在校学生")), ("204", _l("204 现役军人")), ("205", _l("205 服刑人员")),
                 ("206", _l("206 出国(境)")), ("207", _l("207 已死亡未销户")),
                 ("208", _l("208 其他（空挂户、不在本地居住、数据错误、迁出）")),
                 ("011", _l("011 已在本地参加城乡居民养老保险")),
                 # The visit's purpose: an uninsured person who agrees to enrol is the result to count.
                 ("willing", _l("未参保，愿意参保")), ("unwilling", _l("不愿参保"))]
SIGNATURE = [("signed", _l("本人已签字")), ("refused", _l("拒绝签字"))]
