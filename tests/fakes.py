"""Fakes for drafting tests: a queue-fed LangChain chat model and hand-built passages.

`QueueChatModel` implements LangChain's real `BaseChatModel` interface and answers with the messages
enqueued on it, in order, recording every call (model: simonw/llm's `MockModel.enqueue`). The tool-calling
variant supports `with_structured_output`, the way OpenAI- or Anthropic-style models do.

The passages follow the project's fictional sample corpus (retrieval/sample_corpus) and the shapes of real
sources: Markdown headings and lists, ATT&CK-style "(Citation: ...)" markers and technique ids, links,
CVE ids and a CISA KEV entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from assistant.brief import Assessment, Confidence, ResponseOption
from guardrails.markings import TLP
from retrieval.documents import Entities, Passage


class QueueChatModel(BaseChatModel):
    """Answers with enqueued AIMessages (or raises enqueued exceptions); records the messages of each call."""

    responses: list[Any] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "queue-fake"

    def enqueue(self, *items: AIMessage | Exception | str) -> QueueChatModel:
        self.responses.extend(AIMessage(content=i) if isinstance(i, str) else i for i in items)
        return self

    def enqueue_json(self, payload: dict[str, Any]) -> QueueChatModel:
        """An answer in the model's text, as a model without tool calling gives it."""
        return self.enqueue(
            AIMessage(content="Here is the draft:\n```json\n" + json.dumps(payload) + "\n```")
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append(list(messages))
        if not self.responses:
            raise AssertionError("QueueChatModel was called with no answer enqueued")
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return ChatResult(generations=[ChatGeneration(message=item)])


class ToolCallingQueueChatModel(QueueChatModel):
    """A queue-fed model that supports tool calling, hence LangChain's `with_structured_output`."""

    bound_tools: list[dict[str, Any]] = Field(default_factory=list)

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any) -> Any:
        self.bound_tools = [convert_to_openai_tool(t) for t in tools]
        return self

    def enqueue_json(self, payload: dict[str, Any]) -> QueueChatModel:
        """An answer as a tool call named after the schema, as a tool-calling model gives it."""
        call = {
            "name": "DraftBrief",
            "args": payload,
            "id": f"call_{len(self.responses)}",
            "type": "tool_call",
        }
        return self.enqueue(AIMessage(content="", tool_calls=[call]))


# --- hand-built passages --------------------------------------------------------------------------------
def passage(chunk_id: str, text: str, *, tlp: TLP = TLP.CLEAR, rank: int = 0, **kw: Any) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        doc_id=kw.pop("doc_id", chunk_id.split("#")[0]),
        text=text,
        title=kw.pop("title", chunk_id),
        source=kw.pop("source", "National CERT"),
        doc_type=kw.pop("doc_type", "report"),
        tlp=tlp,
        rank=rank,
        reliability=kw.pop("reliability", "A"),
        credibility=kw.pop("credibility", "2"),
        **kw,
    )


HERON = Entities(
    actors=("CINDER HERON",),
    aliases=("Ashen Crane",),
    malware=("QUILLDROP", "FEATHERLIGHT"),
    countries=("Lusenia", "Marentia", "Vostrania"),
    sectors=("government", "diplomacy"),
    sponsors=("Vostrania",),
)


def espionage_passages() -> list[Passage]:
    """Phishing of a negotiation team: a public advisory (CLEAR) and a partner report (AMBER)."""
    common = dict(
        entities=HERON, published="2026-02-24", title="Spear-phishing campaign targets government staff"
    )
    return [
        passage(
            "adv-001#0",
            "# Spear-phishing campaign targets government staff\n\n## Summary\n\n"
            "Between 2 and 20 February 2026 the National CERT observed a targeted email campaign against staff of "
            "the Ministry of Foreign Affairs (MFA). The emails tried to make recipients open a booby-trapped "
            "document and type their password into a fake login page. We have informed all affected "
            "organisations. There is no sign that government services were disrupted.",
            rank=1,
            **common,
        ),
        passage(
            "adv-001#1",
            "## What happened\n\nThe attackers sent about 60 emails to a small number of officials. The emails "
            'pretended to come from the Marentian trade ministry.\n\n> "Dear colleague, please urgently review '
            'the attached document and enter your password when prompted."\n\nOpening the attachment installs a '
            "small downloader (tracked by industry as QUILLDROP), which then fetches a remote-access tool "
            "(FEATHERLIGHT) that lets the attacker read files and email. Security specialists call this "
            'technique "spearphishing attachment" (MITRE ATT&CK T1566.001).',
            rank=2,
            heading="Spear-phishing campaign > What happened",
            **common,
        ),
        passage(
            "adv-001#2",
            "## Who is affected\n\nStaff who work on trade and economic diplomacy. A small number of mailboxes "
            "may have been accessed; the affected ministry is investigating. Members of the public are not "
            "targeted.\n\n## Assessment\n\nThe tools and choice of targets match a group that industry tracks as "
            "CINDER HERON. Partner agencies assess, with **moderate confidence**, that this group works in "
            "support of the state interests of Vostrania. We judge it **likely** that the campaign aimed to "
            "collect information on Lusenia's negotiating positions.\n\n## Recommendations\n\n"
            "- Never enter your password after opening an attachment; confirm requests by phone.\n"
            "- Organisations should enable phishing-resistant multi-factor authentication (MFA) for email.",
            rank=3,
            **common,
        ),
        passage(
            "partner-002#0",
            "## Summary\n\nA partner agency has identified a focused spear-phishing operation by CINDER HERON "
            "against the Lusenian Ministry of Foreign Affairs (MFA) trade negotiation team. At least two "
            "officials opened the malicious attachment. The operation began about six weeks before the "
            "negotiating round.\n\n## What happened\n\n1. On 2 February 2026 the lead trade negotiator, Ingrid "
            "Valtonen, received an email to ingrid.valtonen@mfa.gov.example that spoofed the Marentian trade "
            "ministry.\n2. QUILLDROP retrieved the FEATHERLIGHT backdoor from 203.0.113.45, which beaconed "
            "over HTTPS every 15 minutes to its C2 server (T1071.001).\n3. The operators searched MFA mailboxes "
            "for the words quota and fallback, which suggests a focus on negotiating positions.",
            tlp=TLP.AMBER,
            rank=4,
            source="Partner agency (FVEY-style)",
            reliability="B",
            published="2026-02-18",
            title="CINDER HERON targeting of the trade negotiation team",
            entities=HERON,
        ),
    ]


def ransomware_passages() -> list[Passage]:
    """Hospital ransomware: a victim's public statement, a CERT advisory and a KEV entry (all CLEAR)."""
    jackal = Entities(
        actors=("VELVET JACKAL",), malware=("HOLLOWLOCK",), countries=("Lusenia",), sectors=("healthcare",)
    )
    return [
        passage(
            "northvale#0",
            "# Northvale Regional Health Network: update on the cyber incident\n\n## Summary\n\n"
            "In the early hours of Saturday 17 January 2026, a ransomware attack disrupted computer systems at "
            "the Northvale Regional Health Network, which runs Northvale General Hospital, St. Brendan's "
            "Hospital and six community clinics. Emergency departments stayed open throughout.\n\n"
            "## What happened\n\nCriminals encrypted many of the network's computer systems and demanded "
            "payment. Staff moved to paper records and manual processes within two hours.\n\n"
            '"Our teams have kept every emergency patient safe, working with paper and phones," said '
            "Dr. Miriam Okafor, chief of surgery at Northvale General Hospital.\n\n## Who is affected\n\n"
            "- Around 140 planned operations and 2,000 outpatient appointments were postponed in the first week.\n"
            "- Ambulances were diverted to neighbouring hospitals for 36 hours for stroke and cardiac cases.\n"
            "- We are investigating whether patient information was copied.\n\n## What we are doing\n\n"
            "- We have not paid a ransom. Public funds will not be paid to criminals.\n\n"
            "## Advice to the public\n\n- Come to the emergency department if you need urgent care.\n"
            "- The hospital will never ask for bank details by phone.",
            rank=1,
            source="Northvale Regional Health Network - public statement",
            reliability="B",
            published="2026-01-19",
            title="Northvale Regional Health Network: update on the cyber incident",
            entities=jackal,
        ),
        passage(
            "cert-004#0",
            "# HOLLOWLOCK ransomware: advice for healthcare providers\n\n## What happened\n\n"
            "- **How they got in.** The attackers exploited a known flaw in Citrix NetScaler remote access "
            'appliances, often called "Citrix Bleed" ([CVE-2023-4966](https://nvd.nist.gov/vuln/detail/CVE-2023-4966)). '
            "It lets an attacker take over a logged-in user's session without a password.\n"
            "- **What they did next.** They installed a legitimate remote-support tool, copied data out with "
            "a file-transfer tool (T1567), deleted backups and then encrypted servers (T1486).\n\n"
            "## Assessment\n\n- VELVET JACKAL is a financially motivated criminal group. We have **no "
            "evidence** that any state directed this attack.\n- It is **likely** that the group will attack "
            "further health providers in the coming months.",
            rank=2,
            published="2026-01-23",
            title="HOLLOWLOCK ransomware: advice for healthcare providers",
            entities=jackal,
        ),
        passage(
            "CVE-2023-4966#0",
            "Vendor: Citrix\nProduct: NetScaler ADC and NetScaler Gateway\nVulnerability: Citrix NetScaler ADC "
            "and NetScaler Gateway Buffer Overflow Vulnerability\nAdded to the CISA KEV catalogue: 2023-10-18\n\n"
            "Citrix NetScaler ADC and NetScaler Gateway contain a buffer overflow vulnerability that allows for "
            "sensitive information disclosure when configured as a Gateway or AAA virtual server.\n\n"
            "Required action: Apply mitigations per vendor instructions or discontinue use of the product.\n"
            "Due date for US federal agencies: 2023-11-08\nKnown use in ransomware campaigns: Known",
            rank=3,
            doc_id="CVE-2023-4966",
            doc_type="kev",
            source="CISA KEV",
            credibility=None,
            published="2023-10-18",
            title="CVE-2023-4966: Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability",
            entities=Entities(cves=("CVE-2023-4966",)),
        ),
    ]


def water_passages() -> list[Passage]:
    """Pre-positioning in water utilities: a joint advisory (CLEAR) with a WA-SOC-style link list."""
    tide = Entities(
        actors=("GRANITE TIDE",),
        malware=("TIDEPOOL", "SILTPIPE"),
        countries=("Lusenia", "Karsovia"),
        sectors=("water", "critical infrastructure"),
        sponsors=("Karsovia",),
    )
    common = dict(
        published="2026-05-21",
        title="Joint advisory: GRANITE TIDE in water utility control systems",
        entities=tide,
    )
    return [
        passage(
            "joint-011#0",
            "## Summary\n\nThe National CERT and partner agencies warn that a state-sponsored group, GRANITE "
            "TIDE, has gained hidden access to the computer networks of at least three water utilities in "
            "Lusenia. The group has not damaged anything. We assess that its aim is to keep access that could "
            "be used to disrupt water services during a future crisis. Drinking water has remained safe "
            "throughout.\n\n## What happened\n\n- **Getting in.** The group exploited two known flaws in Ivanti "
            "Connect Secure VPN appliances (CVE-2023-46805 and CVE-2024-21887) and also logged in with stolen "
            "passwords (valid accounts, [T1078](https://attack.mitre.org/techniques/T1078/)).\n"
            "- **Staying hidden.** Once inside, it used built-in tools rather than its own malware, a method "
            'known as "living off the land" (LOTL). It installed a small web shell (TIDEPOOL) on the appliance.',
            rank=1,
            **common,
        ),
        passage(
            "joint-011#1",
            "## Assessment\n\n- The authoring agencies assess with **high confidence** that GRANITE TIDE is "
            "sponsored by the state of Karsovia.\n- It is **unlikely** that disruption is planned in the near "
            "term; we have seen no preparatory actions.\n\n## Recommendations\n\n"
            "1. Patch or replace Ivanti Connect Secure appliances.\n2. Reset passwords for all accounts that "
            "can reach control networks; use multi-factor sign-in.\n3. Separate office and control networks.",
            rank=2,
            heading="Joint advisory > Assessment",
            **common,
        ),
    ]


def assessment(**kw: Any) -> Assessment:
    return Assessment(**{"severity": 2, "ceiling_rung": 2, **kw})


def confidence(level: str = "moderate", likelihood: str = "likely") -> Confidence:
    return Confidence(level=level, likelihood=likelihood, basis="two usually reliable sources agree")  # type: ignore[arg-type]


def options() -> list[ResponseOption]:
    return [
        ResponseOption(
            playbook_id="harden-email",
            kind="defensive",
            rung=1,
            title="Harden email and remote access",
            action="Ask ministries to turn on phishing-resistant sign-in.",
            cost="Low",
            sequence="Now",
        ),
        ResponseOption(
            playbook_id="demarche-private",
            kind="collaborative",
            rung=2,
            title="Private diplomatic message",
            action="Raise the activity privately with partners.",
            cost="Moderate",
            sequence="After the technical facts are confirmed",
        ),
    ]
