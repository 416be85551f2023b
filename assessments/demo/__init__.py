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
