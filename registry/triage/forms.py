"""The forms of the declaration, tool, pipeline, asset and final-cut pages (Flask-WTF:
CSRF-checked). The rules are in the API schemas: each page turns its form into the API's body
and loads it through the same schema. The five principles are asked in the guidance's own
words, ``unsure`` by default; each category is shown with its matrix row."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)

from registry.gate.use_requests.forms import choices
from registry.rules.triage_table import PRINCIPLE_WORDS
from registry.rules.vocabulary import CATEGORIES, CLEARANCES

FACT_WORDS = {
    "story_relevant": "It is relevant to the story",
    "prominent": "It is prominent: read aloud, referenced, or it contributes to the story",
    "personal_data_input": "Personal data (cast or crew details) goes into a tool",
    "proprietary_input": "Unreleased or sensitive studio material goes into a tool (unreleased "
    "assets or footage, scripts, production images, contracts)",
    "talent_likeness": "A real performer's likeness, voice or performance is in the inputs or "
    "the output",
    "references_protected": "Prompts or inputs reference copyrighted works, public figures or "
    "deceased individuals",
    "could_mislead": "It could be mistaken for real events, people or statements, even as "
    "background",
    "replaces_union_work": "It replaces or materially impacts work usually done by "
    "union-represented people",
}
CATEGORY_WORDS = {
    "ideation": "Ideation only",
    "background_element": "Background element on camera",
    "key_creative": "Key creative element",
    "talent_replication": "Talent replication",
    "unowned_training_data": "Unowned training data",
    "proprietary_material": "The studio's released or published material",
    "other": "Something else",
}
OUTPUT_WORDS = {
    "temporary": "Temporary: mock-ups, exploration; not in the final deliverables",
    "final": "Final: appears in the final deliverables, even in the background",
}
TERM_WORDS = {"yes": "Yes", "no": "No", "unknown": "Unknown"}
ANSWER_CHOICES = (("yes", "Yes"), ("no", "No"), ("unsure", "Unsure"))


class _Checks(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _principle(name: str) -> RadioField:
    return RadioField(PRINCIPLE_WORDS[name], choices=choices(ANSWER_CHOICES), default="unsure")


class DeclarationForm(FlaskForm):
    production_id = SelectField("Production", validate_choice=False)
    title = StringField("Title (how the team calls this use)")
    description = TextAreaField("What will be generated, how, and where it appears")
    category = RadioField(
        "Which row of the guidance's use-case matrix is it?",
        choices=choices((c, CATEGORY_WORDS[c]) for c in CATEGORIES),
        validate_choice=False,
    )
    output = RadioField(
        "Will the output be in the final deliverables?",
        choices=choices(OUTPUT_WORDS.items()),
        validate_choice=False,
    )
    tool_ids = _Checks("The tools used", validate_choice=False)
    pipeline_id = SelectField("Or the vendor pipeline used", validate_choice=False)
    performer_ids = _Checks("The performers it touches, if any", validate_choice=False)
    story_relevant = BooleanField(FACT_WORDS["story_relevant"])
    prominent = BooleanField(FACT_WORDS["prominent"])
    personal_data_input = BooleanField(FACT_WORDS["personal_data_input"])
    proprietary_input = BooleanField(FACT_WORDS["proprietary_input"])
    talent_likeness = BooleanField(FACT_WORDS["talent_likeness"])
    references_protected = BooleanField(FACT_WORDS["references_protected"])
    could_mislead = BooleanField(FACT_WORDS["could_mislead"])
    replaces_union_work = BooleanField(FACT_WORDS["replaces_union_work"])
    p1 = _principle("p1")
    p2 = _principle("p2")
    p3 = _principle("p3")
    p4 = _principle("p4")
    p5 = _principle("p5")


class ToolForm(FlaskForm):
    name = StringField("Name")
    vendor = StringField("Vendor")
    version = StringField("Version (optional)")
    plan = StringField("Licence tier or plan the terms are for (optional)")
    stores_inputs = RadioField(
        "Does it store or reuse inputs or outputs?",
        choices=choices(TERM_WORDS.items()),
        default="unknown",
        validate_choice=False,
    )
    trains_on_inputs = RadioField(
        "Does it train on inputs or outputs?",
        choices=choices(TERM_WORDS.items()),
        default="unknown",
        validate_choice=False,
    )
    enterprise_agreement = RadioField(
        "Is it covered by an enterprise agreement or equivalent negotiated terms?",
        choices=choices(TERM_WORDS.items()),
        default="unknown",
        validate_choice=False,
    )
    terms_url = StringField("Where the terms are (URL, optional)")
    terms_sha256 = StringField("SHA-256 of the terms text reviewed (optional)")
    terms_note = TextAreaField("Note on the terms (what was checked)")


class StageForm(Form):
    tool_id = SelectField("Tool", validate_choice=False)
    does = StringField("What it does")
    trains = BooleanField("It trains or fine-tunes")
    training_source = StringField("Its training material (if it trains)")
    clearance = SelectField(
        "Clearance of that material",
        choices=choices((c, c) for c in CLEARANCES),
        default="uncleared",
        validate_choice=False,
    )
    touches_likeness = BooleanField("It touches a performer's likeness or voice")


class PipelineForm(FlaskForm):
    name = StringField("Name")
    vendor = StringField("Vendor")
    stages = FieldList(FormField(StageForm), min_entries=5, max_entries=5)


class AssetForm(FlaskForm):
    name = StringField("File name")
    sha256 = StringField("SHA-256 of the file")
    media_type = StringField("Media type (e.g. image/png)")
    output = SelectField(
        "Temporary or final",
        choices=choices([("temporary", "temporary"), ("final", "final")]),
        validate_choice=False,
    )


class FinalCutForm(FlaskForm):
    manifest = FileField("A manifest: sha256sum output, one file a line")
    hashes = TextAreaField("Or paste the hashes (sha256sum lines, or one SHA-256 a line)")
