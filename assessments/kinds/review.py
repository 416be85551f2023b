"""财政项目支出绩效自评复核表: the finance bureau's 复核 of one sampled self-assessment.

Not a table a unit fills: a signed sheet kept in its own model (models.bureau.ReviewScore,
signed as ReviewSignature through trust.review_signing). It is declared here for its words,
its file name and what /verify/ shows of it; `is_table` keeps it out of lists, the wizard
and the interchange.
"""

from collections.abc import Mapping

from . import register, signed
from .base import TableKind


def _text(value: object) -> str:
    return "" if value is None else str(value)


@register
class ReviewSheet(TableKind):
    name = "review"
    order = 90
    is_table = False
    label = "复核表"
    short_label = "复核表"
    title = "财政项目支出绩效自评复核表"
    file_words = "复核表"
    verify_noun = "复核表"
    sign_verb = "签发"
    reported = False
    fillable = False
    has_actuals = False
    steps = ()
    sign_off_heading = "签发复核表"
    sign_off_note = (
        "签发后复核得分锁定并签名，复核表 PDF 按签发内容生成；"
        "如需再改，须重新打开（写明原因，记入操作记录）。"
    )
    signed_message = "复核表已签发。复核得分已锁定，其内容摘要可在核验页面查验。"

    def verify_lines(self, snapshot: Mapping[str, object]) -> list[tuple[str, str]]:
        reviewed = snapshot.get("reviewed")
        reviewed = reviewed if isinstance(reviewed, Mapping) else {}
        noun = signed(reviewed.get("kind")).verify_noun
        return [
            ("复核单位", _text(snapshot.get("bureau"))),
            ("复核的表", f"{_text(snapshot.get('project'))} {noun}"),
            ("被复核表的内容摘要", _text(reviewed.get("content_hash"))),
            (
                "自评总分 / 自评等级",
                f"{_text(snapshot.get('self_total'))} / {_text(snapshot.get('self_grade'))}",
            ),
            (
                "复核总分 / 复核等级",
                f"{_text(snapshot.get('review_total'))} / {_text(snapshot.get('review_grade'))}",
            ),
        ]
