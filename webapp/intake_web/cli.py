"""Command line: ``flask intake generate-county`` and ``flask intake compare-dir``."""
from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from webapp.extensions import db
from webapp.intake.employers import ORG_SOURCES, EmployerIndex, employer_counts
from webapp.intake.folder import SourceUnknown, precision_recall, sources_in_folder
from webapp.intake.mapping import SOURCES
from webapp.intake.pipeline import PERSON_SOURCES, compare_employer_files, compare_files
from webapp.services.areas import campaign_county
from webapp.services.intake import importing as intake_import, mapping as intake_mapping
from webapp.services.intake.runs import default_as_of
from webapp.synthetic.answer_key import (EMPLOYER_KEY_FILE, KEY_FILE, SUMMARY_FILE, load_answer_key,
                                         load_employer_key)
from webapp.synthetic.generator import generate_county

intake_cli = AppGroup("intake", help="Department data intake and comparison.")


@intake_cli.command("generate-county")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--people", default=530_000, show_default=True, help="Registered residents to generate.")
@click.option("--seed", default=20170525, show_default=True)
@click.option("--county-code", default="341721", show_default=True)
@click.option("--as-of", "as_of", default=None, help="Reference date YYYY-MM-DD (default: today).")
@click.option("--workers", default=None, type=int, help="Processes (default: one per CPU).")
def generate_county_command(out_dir, people, seed, county_code, as_of, workers):
    """Write a synthetic county's department files and answer key into OUT_DIR."""
    started = time.perf_counter()
    reference = date.fromisoformat(as_of) if as_of else date.today()
    with click.progressbar(length=15, label="生成乡镇数据") as bar:
        def progress(done, total):
            bar.length = total
            bar.update(1)
        summary = generate_county(out_dir, people=people, seed=seed, county_code=county_code,
                                  as_of=reference, workers=workers, progress=progress)
    for name, rows in summary["files"].items():
        click.echo(f"{name}: {rows} 行")
    counts = summary["counts"]
    click.echo("答案: " + ", ".join(f"{k}={counts.get(k, 0)}" for k in
                                   ("confirmed", "uninsured", "problem", "not_target", "invalid_id")))
    click.echo("单位: " + ", ".join(f"{k}={v}" for k, v in summary["employers"].items()))
    click.echo(f"用时 {time.perf_counter() - started:.1f} 秒")


@intake_cli.command("compare-dir")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--as-of", "as_of", default=None,
              help="As-of date YYYY-MM-DD (default: the answer key's, or today in Asia/Shanghai).")
@click.option("--source", "explicit", multiple=True, metavar="FILE=SOURCE",
              help="The source of a file its headers cannot place (repeatable).")
@click.option("--county", default=None,
              help="County code whose places are local (default: the answer key's, else the loaded areas').")
def compare_dir_command(folder, as_of, explicit, county):
    """Compare a folder of department files in memory; with an answer key, print precision and recall.

    A generated county's answer key names each file's source; other files are
    placed by their headers (``--source`` settles the rest). Exit code 3 when
    a file's source cannot be told.
    """
    folder = Path(folder)
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8")) \
        if (folder / SUMMARY_FILE).exists() else None
    if summary is not None:
        placed = {folder / name: source for name, source in summary["sources"].items()}
    else:
        chosen = {}
        for item in explicit:
            name, _, source = item.partition("=")
            if source not in SOURCES:
                raise click.BadParameter(f"{item}：来源应为 {'、'.join(SOURCES)} 之一", param_hint="--source")
            chosen[name] = source
        try:
            placed = sources_in_folder(folder, chosen)
        except SourceUnknown as exc:
            click.echo(str(exc), err=True)
            raise SystemExit(3)
    try:
        reference = date.fromisoformat(as_of) if as_of else (
            date.fromisoformat(summary["as_of"]) if summary else default_as_of())
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint="--as-of")
    county_code, county_name = campaign_county(county or (summary or {}).get("county_code"))
    files = defaultdict(list)
    for path, source in placed.items():
        if source in PERSON_SOURCES or source in ORG_SOURCES:
            files[source].append(path)
            click.echo(f"{path.name}: {SOURCES[source].label}")
    click.echo(f"基准日 {reference.isoformat()}")
    started = time.perf_counter()
    index = EmployerIndex()
    with click.progressbar(length=1, label="比对") as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)
        result, opened = compare_files(files, county_code=county_code, county_name=county_name, as_of=reference,
                                       progress=progress, employer_index=index)
    outcomes = compare_employer_files(files, index)
    elapsed = time.perf_counter() - started
    click.echo(json.dumps(result.counts(), ensure_ascii=False))
    click.echo(f"{len(result.people)} 人，用时 {elapsed:.1f} 秒")
    click.echo(json.dumps(employer_counts(outcomes), ensure_ascii=False))
    if (folder / KEY_FILE).exists():
        _score_against_key(folder, result, opened, load_answer_key, precision_recall)
    if (folder / EMPLOYER_KEY_FILE).exists():
        key = load_employer_key(folder)
        wrong = sum(1 for o in outcomes if key.get((o.org.source, o.org.name), ("",))[0] != o.status)
        click.echo(f"{len(outcomes)} 个单位，与答案不符 {wrong} 个")


def _score_against_key(folder, result, opened, load_answer_key, precision_recall):
    """Print how the comparison scored against the folder's answer key."""
    expected, invalid, _ = load_answer_key(folder)
    wrong = sum(1 for p in result.people
                if expected.get(p.id_number, ())[:2] != (p.status, tuple(sorted(p.problems))))
    click.echo(f"与答案不符 {wrong} 人")
    scores = precision_recall(expected, result.people)
    want = {(source, name, row) for source, name, row, _ in invalid}
    said = {(o.source, Path(o.info.path).name, r.row) for o in opened for r in o.invalid_ids}
    right = len(want & said)
    scores["invalid_id_rows"] = (right / len(said) if said else 1.0, right / len(want) if want else 1.0, len(want))
    for label, (precision, recall, count) in scores.items():
        click.echo(f"{label}: precision {precision:.4f} recall {recall:.4f} ({count})")
# -- scripted intake (county IT's nightly job does what the web does) -------------------------------

EXIT_NEEDS_MAPPING = 3


@intake_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", required=True, type=click.Choice(["public_security", "health", "social_insurance",
                                                          "market_supervision", "civil_affairs"]))
@click.option("--period", default=None, help="Period the data is for, e.g. 2017-06.")
@click.option("--mapping", "mapping_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Header and value choices (JSON, as `flask intake mapping SOURCE` prints); saved for the source.")
def import_command(file, source, period, mapping_file):
    """Import FILE of SOURCE like a web upload; exit code 3 when headers or values need mapping."""
    if mapping_file:
        try:
            document = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
            intake_mapping.apply_document(source, document)
        except (ValueError, json.JSONDecodeError) as exc:
            db.session.rollback()
            raise click.ClickException(f"对应关系文件有误：{exc}") from None
        db.session.commit()
    # A batch of a period replaces the previous one of that period (import_file's ``period``).
    options = {"period": period} if period else {}
    outcome = intake_import.import_file(file, source, file_name=Path(file).name, **options)
    db.session.commit()
    batch = outcome.batch
    click.echo(f"第 {batch.id} 批：{outcome.message}" if batch is not None else outcome.message)
    if outcome.status == "needs_mapping":
        for line in intake_mapping.describe_pending(source, batch.pending):
            click.echo("  " + line)
        click.echo(f"请用 --mapping MAP.json 给出对应关系（格式同 flask intake mapping {source} 的输出），再次导入。")
        raise SystemExit(EXIT_NEEDS_MAPPING)
    if outcome.status == "rejected":
        raise SystemExit(1)


@intake_cli.command("mapping")
@click.argument("source", type=click.Choice(["public_security", "health", "social_insurance",
                                             "market_supervision", "civil_affairs"]))
def mapping_command(source):
    """Print the header and value choices saved for SOURCE (the JSON `import --mapping` reads)."""
    click.echo(json.dumps(intake_mapping.mapping_document(source), ensure_ascii=False, indent=2, sort_keys=True))
