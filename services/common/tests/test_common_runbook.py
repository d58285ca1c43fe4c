"""Every alert the Helm chart ships has a runbook section, and every section an alert.

charts/practicum/RUNBOOK.md has one ``## <AlertName>`` section per alert of the rule
template; alerts link to it by ``runbook_url: <prometheusRule.runbookUrl>#<anchor>``, the
anchor being the alert name in lower case (GitHub's anchor of such a heading). A heading
without a space is an alert's section; the runbook's other sections have a space in theirs.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "charts" / "practicum"
RULES = CHART / "templates" / "prometheusrule.yaml"
RUNBOOK = CHART / "RUNBOOK.md"

ALERT = re.compile(r"^\s*- alert:\s*(\S+)\s*$", re.MULTILINE)
SECTION = re.compile(r"^## (\S+)\s*$", re.MULTILINE)
RUNBOOK_URL = re.compile(r'runbook_url: \{\{ printf "%s#%s" \. \(lower "([^"]+)"\) \| quote \}\}')


def _alerts() -> list[str]:
    alerts = ALERT.findall(RULES.read_text())
    # Guards the expression itself: if it stopped matching, every check below would pass.
    assert "PracticumOutboxBacklogGrowing" in alerts and "VLLMPrefixCacheHitRatioLow" in alerts
    return alerts


def _sections() -> list[str]:
    return SECTION.findall(RUNBOOK.read_text())


def test_every_alert_has_a_runbook_section() -> None:
    missing = [a for a in _alerts() if a not in _sections()]
    assert not missing, f"alerts without a `## <AlertName>` section in {RUNBOOK.relative_to(ROOT)}: {missing}"


def test_every_alert_section_of_the_runbook_is_an_alert() -> None:
    stale = sorted(set(_sections()) - set(_alerts()))
    assert not stale, f"runbook sections for alerts the rule template does not have: {stale}"


def test_alert_names_and_sections_are_unique() -> None:
    alerts, sections = _alerts(), _sections()
    assert len(alerts) == len(set(alerts)), "an alert name is used twice"
    # GitHub anchors are lower case: two headings differing only in case would collide.
    assert len(sections) == len({s.lower() for s in sections}), "two runbook sections share an anchor"


def test_every_alert_links_to_its_own_section() -> None:
    # Each rule's annotations end with its runbook_url, naming the rule's own alert.
    rules = ALERT.split(RULES.read_text())[1:]
    names, bodies = rules[0::2], rules[1::2]
    for name, body in zip(names, bodies, strict=True):
        assert RUNBOOK_URL.findall(body) == [name], f"{name}: runbook_url missing or naming another alert"
