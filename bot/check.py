"""`python -m bot check`: validate knowledge and catalogs, and show translation coverage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.messages.pofile import read_po

from bot import matcher
from bot.asked import FILE_NAME as ASKED_FILE
from bot.explainer import ways_of_asking
from bot.freshness import freshness_problems
from bot.i18n import DOMAIN, Catalogs, language_name, load_catalogs
from bot.knowledge import REFERENCE_LANG, KnowledgeBase, load_knowledge
from bot.magnets import typo_magnets
from bot.overlaps import shared_ways_of_asking
from bot.paths import KNOWLEDGE_DIR, LOCALES_DIR
from bot.problems import DataError, Problem, display_path

SIZE_WARNING_SHARE = 0.75  # of `bot.matcher.MAX_MEANING_TEXTS`: warn from here on


def run_check(
    knowledge_dir: Path | None, locales_dir: Path | None, today: date | None = None
) -> int:
    """Print every problem and the coverage table; 1 if there is an error.

    `today` (default: the real date) decides which `checked` months are too old.
    """
    knowledge_dir = knowledge_dir or KNOWLEDGE_DIR
    locales_dir = locales_dir or LOCALES_DIR
    problems: list[Problem] = []
    kb: KnowledgeBase | None = None
    catalogs: Catalogs | None = None
    try:
        kb = load_knowledge(knowledge_dir)
        problems.extend(kb.warnings)
        problems.extend(freshness_problems(kb, today or date.today()))
        problems.extend(_size_problems(kb, knowledge_dir))
        problems.extend(typo_magnets(kb))
        problems.extend(shared_ways_of_asking(kb))
    except DataError as exc:
        problems.extend(exc.problems)
    try:
        catalogs = load_catalogs(locales_dir)
    except DataError as exc:
        problems.extend(exc.problems)
    if kb is not None and catalogs is not None:
        problems.extend(_catalog_coverage(kb, catalogs, locales_dir))
    errors = [p for p in problems if not p.warning]
    for problem in sorted(problems):
        print(problem)
    if kb is not None:
        _coverage_table(kb, catalogs, locales_dir)
        if kb.asked:
            print(f"{len(kb.asked):,} questions people asked are learnt too ({ASKED_FILE})")
        stand_ins = [link for link in kb.links.values() if link.replace]
        for link in stand_ins:
            print(
                f"note: link {link.id!r} is a stand-in ({link.url}); replace it in links.yaml when the real page is known"
            )
    warnings = len(problems) - len(errors)
    print(f"\n{len(errors)} error(s), {warnings} warning(s)")
    return 1 if errors else 0


def _size_problems(kb: KnowledgeBase, knowledge_dir: Path) -> list[Problem]:
    """A warning when the ways of asking near or pass the number above which the bot
    leaves out its second look by meaning (`bot.matcher.MAX_MEANING_TEXTS`)."""
    count = len(ways_of_asking(kb))
    limit = matcher.MAX_MEANING_TEXTS
    if count <= SIZE_WARNING_SHARE * limit:
        return []
    state = "leaves out" if count > limit else f"will leave out, above {limit:,},"
    message = (
        f"{count:,} ways of asking in all languages: the bot {state} its second look by "
        "meaning, and then answers fewer questions worded unlike them; drop near-duplicates"
    )
    return [Problem(display_path(knowledge_dir), 0, message, warning=True)]


def _template_size(locales_dir: Path) -> int:
    pot = locales_dir / f"{DOMAIN}.pot"
    if not pot.exists():
        return 0
    with pot.open("rb") as handle:
        return sum(1 for m in read_po(handle) if m.id)


def _catalog_coverage(kb: KnowledgeBase, catalogs: Catalogs, locales_dir: Path) -> list[Problem]:
    total = _template_size(locales_dir)
    found = []
    for lang in kb.languages:
        if lang == REFERENCE_LANG:
            continue
        po = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        done = catalogs.translated.get(lang)
        if done is None:
            found.append(
                Problem(
                    display_path(po),
                    0,
                    "no UI catalog: buttons and messages are shown in English",
                    warning=True,
                )
            )
        elif done < total:
            found.append(
                Problem(
                    display_path(po),
                    0,
                    f"{total - done} UI string(s) not translated (shown in English)",
                    warning=True,
                )
            )
    return found


def _coverage_table(kb: KnowledgeBase, catalogs: Catalogs | None, locales_dir: Path) -> None:
    n_topics = len(kb.topics)
    ui_total = _template_size(locales_dir)
    print(
        f"\n{'language':<20} {'topics':>8} {'ways of asking':>15} {'subject words':>14}"
        f" {'UI strings':>11} {'outdated':>9}"
    )
    for lang, language in kb.languages.items():
        asks = sum(len(e.ask) for e in language.entries.values())
        if lang == REFERENCE_LANG:
            ui = f"{ui_total}/{ui_total}"
        else:
            done = catalogs.translated.get(lang, 0) if catalogs else 0
            ui = f"{done}/{ui_total}"
        outdated = len(kb.outdated(lang))
        name = f"{lang} ({language_name(lang)})"
        subject = len(language.subject_words)
        print(
            f"{name:<20} {len(language.entries):>4}/{n_topics:<3} {asks:>15} {subject:>14}"
            f" {ui:>11} {outdated:>9}"
        )
