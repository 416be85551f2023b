"""Forms: they read what people type and check its shape; services check the rules.

Widgets carry their attributes (classes, labels, placeholders, rows) here, so that templates
render fields as they are: `{{ form.field }}`.
"""

from .bureau import ExemptionForm, FileForm, ReturnFilingForm, ReviewForm, SampleForm
from .cells import CellsForm
from .paper import HASH_RE, BookForm, PrintOptionsForm, UploadForm, VerifyForm
from .review import (
    AdjustmentForm,
    AnswerForm,
    CommentForm,
    DecisionForm,
    OpinionForm,
    ReopenForm,
    ReturnForm,
    WithdrawForm,
)
from .wizard import (
    FUNDS_INPUT_LINES,
    ActualFormSet,
    BasicForm,
    CopyForm,
    FundsForm,
    GoalForm,
    OutcomeForm,
    StartForm,
    StepForm,
    TargetFormSet,
    target_initial,
)

__all__ = [
    "FUNDS_INPUT_LINES",
    "HASH_RE",
    "ActualFormSet",
    "AdjustmentForm",
    "AnswerForm",
    "BasicForm",
    "BookForm",
    "CellsForm",
    "CommentForm",
    "CopyForm",
    "DecisionForm",
    "ExemptionForm",
    "FileForm",
    "FundsForm",
    "GoalForm",
    "OpinionForm",
    "OutcomeForm",
    "PrintOptionsForm",
    "ReopenForm",
    "ReturnFilingForm",
    "ReturnForm",
    "ReviewForm",
    "SampleForm",
    "StartForm",
    "StepForm",
    "TargetFormSet",
    "UploadForm",
    "VerifyForm",
    "WithdrawForm",
    "target_initial",
]
