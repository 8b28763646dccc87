"""Short messages that are not briefs: help, refusals, apologies, progress."""

from __future__ import annotations

from assistant.slack import kit
from assistant.slack.blocks import A_DM
from assistant.slack.kit import Message, escape

HELP = """*detente* drafts plain-language cyber-threat briefs from the intelligence this workspace holds, \
only from sources cleared for where you ask.

• Mention me in a channel, or send me a direct message: _@detente What does the water-utility intrusion \
mean for our talks?_ I answer in the thread; reply there (mentioning me in a channel) for a follow-up.
• `/detente brief TEXT`: a brief for a diplomat (the default when you leave out the word).
• `/detente options TEXT`: only the response options, each with its kind and escalation rung.
• `/detente message TEXT`: draft public lines, from public (TLP:CLEAR) sources only.
• `/detente sources TEXT`: the sources an answer would use, with their reliability.
• `/detente help`: this message.

Buttons under an answer draft public lines, list the sources, give a shorter version, and record whether \
it helped (with an optional reason) for the people who evaluate detente."""


def help_message() -> Message:
    return Message(text="How to use detente", blocks=[kit.section(HELP)])


def working(question: str) -> Message:
    return Message(text=f"Working on it: {kit.cut(question, 200)}")


def clearance_refusal(reason: str, *, answer_id: str, dm_possible: bool, in_dm: bool) -> Message:
    lines = [
        f":lock: *Not answered here.* {escape(reason)}",
        "detente only uses sources cleared for the place where the answer is posted, so nothing above "
        "that level can leak into the conversation.",
    ]
    blocks = [kit.section("\n".join(lines))]
    if dm_possible and not in_dm:
        blocks.append(
            kit.section(
                "You are cleared for these sources in a direct message. I can answer you there.",
                accessory=kit.button("Answer in a DM", A_DM, answer_id, style="primary"),
            )
        )
    else:
        blocks.append(
            kit.context(
                "If you need this answer, ask someone cleared for it, or ask an administrator about "
                "your clearance or this channel's."
            )
        )
    return Message(text=f"Not answered here: {kit.cut(reason, 300)}", blocks=blocks)


def refusal(reason: str) -> Message:
    return Message(text=kit.cut(reason, 300), blocks=[kit.section(f":no_entry: {escape(reason)}")])


def apology(error_id: str) -> Message:
    text = (
        ":warning: Sorry, something went wrong on my side while answering. Please try again in a minute. "
        f"If it keeps happening, give your administrator this error id: `{error_id}`."
    )
    return Message(text="Sorry, something went wrong.", blocks=[kit.section(text)])


def busy() -> Message:
    return Message(text="I'm answering many questions right now; please ask again in a minute.")


def expired() -> Message:
    return Message(text="That answer is too old for this button; please ask the question again.")


def empty_question() -> Message:
    return Message(text="What would you like to know? Try `/detente help` for examples.")


FEEDBACK_VIEW = "detente_feedback"


def feedback_modal(answer_id: str) -> dict:
    return {
        "type": "modal",
        "callback_id": FEEDBACK_VIEW,
        "private_metadata": answer_id,
        "title": {"type": "plain_text", "text": "Not helpful"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "optional": True,
                "label": {"type": "plain_text", "text": "What was wrong with the answer? (optional)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "multiline": True,
                    "max_length": 2000,
                },
            }
        ],
    }


def thanks() -> Message:
    return Message(text="Thanks: your feedback is recorded for the people who evaluate detente.")


def dm_intro(question: str, *, origin: str | None) -> Message:
    where = f" in <#{origin}>" if origin else ""
    return Message(
        text=f"You asked{where}: {escape(kit.cut(question, 500))}\nHere is the answer at your own clearance, for you alone."
    )
