"""The demo organisation and people (local demo mode only)."""

from typing import Any

DEMO_BUREAU = "闵行区财政局"
DEMO_DEPARTMENT = "闵行区人力资源和社会保障局"
DEMO_UNIT = "上海市闵行区社会保障服务中心"
DEMO_PASSWORD = "demo2022"
DEMO_PEOPLE: list[dict[str, Any]] = [
    {
        "username": "tianbao",
        "name": "张丽",
        "title": "填报人 · 上海市闵行区社会保障服务中心",
        "organisation": "unit",
        "role": "preparer",
    },
    {
        "username": "shenhe",
        "name": "王强",
        "title": "审核人 · 上海市闵行区社会保障服务中心",
        "organisation": "unit",
        "role": "reviewer",
    },
    {
        "username": "bumen",
        "name": "赵雪",
        "title": "填报人 · 闵行区人力资源和社会保障局（部门整体）",
        "organisation": "department",
        "role": "preparer",
    },
    {
        "username": "juzhang",
        "name": "刘敏",
        "title": "审核人 · 闵行区人力资源和社会保障局",
        "organisation": "department",
        "role": "reviewer",
    },
    {
        "username": "caizheng",
        "name": "陈静",
        "title": "审核人 · 闵行区财政局（抽查复核）",
        "organisation": "bureau",
        "role": "reviewer",
    },
    {"username": "admin", "name": "管理员", "title": "系统管理员", "admin": True},
]
DEMO_USERNAMES = frozenset(person["username"] for person in DEMO_PEOPLE)

# What the demo's target tables declare beside their budget, goal and targets
# (项目支出绩效目标申报表): by project, the values of the target kind's declared cells.
DEMO_DECLARATIONS: dict[str, dict[str, str]] = {
    "征地养老慰问经费": {
        "attribute": "延续",
        "leader": "周文华",
        "telephone": "021-64120618",
        "start": "2023-01-01",
        "end": "2023-12-31",
        "overview": "春节、重阳节前走访慰问本区征地养老人员，发放慰问金和慰问品，"
        "重点关注高龄、独居和困难对象。",
        "basis": "区政府关于做好征地养老人员生活保障工作的通知；"
        "本中心年度重点工作安排。慰问是征地养老人员服务管理的常规工作，"
        "标准和对象名单按区里的口径核定。",
    },
    "外区属地化管理人员服务费": {
        "attribute": "延续",
        "leader": "沈佳",
        "telephone": "021-64120725",
        "start": "2023-01-01",
        "end": "2025-12-31",
        "overview": "按属地化管理协议，为居住在外区的本区征地养老人员提供日常管理和上门服务，"
        "服务费按人数向所在区的服务机构支付。",
        "basis": "本市征地养老人员属地化管理的有关规定；与各区服务机构签订的三年服务协议"
        "（2023—2025 年）。",
        "period_goal": "三年内外区属地化管理人员全部纳入服务，服务对象满意度不低于 90%，"
        "服务协议按期续签。",
    },
    "政府购买辅助服务": {
        "attribute": "新增",
        "leader": "陆海燕",
        "telephone": "021-64120533",
        "start": "2023-03-01",
        "end": "2023-12-31",
        "overview": "通过政府采购购买窗口辅助服务，缓解业务高峰期的人手不足，"
        "缩短群众办事等候时间。",
        "basis": "《政府购买服务管理办法》（财政部令第 102 号）；本中心窗口业务量统计和人员测算。",
    },
}
