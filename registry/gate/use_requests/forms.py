"""The "May I use this?" form (Flask-WTF: CSRF-checked). The rules are in the API schemas: the
page turns this form into the API's request body and loads it through ``RequestInSchema``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)

from registry.rules import CHANGES, MEDIA

try:  # wtforms 3.2+ (tuple choices are deprecated there); not in the type stubs yet
    from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older wtforms
    SelectChoice = None


def choices(pairs: Iterable[tuple[str, str]]) -> list[Any]:
    """Select choices from (value, label) pairs."""
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


KIND_WORDS = {
    "replica.create": (
        "Make a digital replica",
        "A generated likeness or voice of an identifiable performer, for something they did "
        "not perform.",
    ),
    "replica.use": (
        "Use a registered replica",
        "Put a replica already registered for this production into a shot or soundtrack.",
    ),
    "alteration": (
        "Alter a recorded performance",
        "Change a performance in post: from noise reduction to re-ageing or new dialogue.",
    ),
    "model.use": (
        "Use an enhancement model",
        "Run a model trained on performers' material, here or in another production.",
    ),
    "model.train": (
        "Train or fine-tune a model",
        "Train on a performer's material (and say where the training material comes from).",
    ),
}
FACT_WORDS = {
    "as_recorded": "The result stays substantially as scripted, performed or recorded "
    "(e.g. a reshoot)",
    "safety": "It shows something no person could safely perform (e.g. a stunt)",
    "unrecognizable": "The performer cannot be recognised in the result (e.g. a mask)",
    "dubbing_or_double_permitted": "Dubbing or a double is permitted under an existing agreement",
    "alters_tone_delivery_or_intent": "It changes the emotional tone, delivery or intent of "
    "the performance",
    "new_dialogue": "It makes them say new, unscripted dialogue (visual ADR)",
    "may_harm_reputation": "It could harm the performer's reputation, dignity or personal image",
}
CHANGE_WORDS = {
    "cosmetics": "Cosmetic touch-ups",
    "wardrobe": "Wardrobe fixes",
    "noise_reduction": "Noise reduction",
    "timing": "Timing",
    "continuity": "Continuity fixes",
    "pitch": "Pitch",
    "clarity": "Clarity",
    "re_ageing": "Re-ageing (younger or older)",
    "other": "Something else",
}
# Which facts each kind asks about (the others are false).
KIND_FACTS = {
    "replica.create": ("may_harm_reputation",),
    "replica.use": ("as_recorded", "safety", "unrecognizable", "may_harm_reputation"),
    "alteration": (
        "as_recorded",
        "dubbing_or_double_permitted",
        "alters_tone_delivery_or_intent",
        "new_dialogue",
        "may_harm_reputation",
    ),
    "model.use": ("may_harm_reputation",),
    "model.train": ("may_harm_reputation",),
}
SOURCE_ROWS = 3


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SourceForm(Form):
    description = StringField("Training material")
    clearance = SelectField(
        "Rights",
        choices=choices(
            [
                ("owned", "owned by the studio"),
                ("cleared", "licensed and cleared"),
                ("uncleared", "not cleared yet"),
            ]
        ),
        validate_choice=False,
    )


class RequestForm(FlaskForm):
    production_id = SelectField("Where will the result be used?", validate_choice=False)
    performer_id = SelectField("Which performer?", validate_choice=False)
    replica_id = SelectField("Which replica?", validate_choice=False)
    model_id = SelectField("Which model?", validate_choice=False)
    media = CheckboxesField(
        "What of the performer?",
        choices=choices((m, m) for m in MEDIA),
        validate_choice=False,
    )
    description = TextAreaField("What will be made, for which scene?")
    changes = CheckboxesField(
        "Which changes?",
        choices=choices((c, CHANGE_WORDS[c]) for c in CHANGES),
        validate_choice=False,
    )
    as_recorded = BooleanField(FACT_WORDS["as_recorded"])
    safety = BooleanField(FACT_WORDS["safety"])
    unrecognizable = BooleanField(FACT_WORDS["unrecognizable"])
    dubbing_or_double_permitted = BooleanField(FACT_WORDS["dubbing_or_double_permitted"])
    alters_tone_delivery_or_intent = BooleanField(FACT_WORDS["alters_tone_delivery_or_intent"])
    new_dialogue = BooleanField(FACT_WORDS["new_dialogue"])
    may_harm_reputation = BooleanField(FACT_WORDS["may_harm_reputation"])
    training_sources = FieldList(FormField(SourceForm), min_entries=SOURCE_ROWS)


class ReevaluateForm(FlaskForm):
    pass
