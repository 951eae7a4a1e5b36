"""Command line for county IT: ``flask intake run`` and ``flask intake results``.

The same services as the web pages: a run is created and run exactly as the
"start comparison" button does (one batch per source, an as-of date), only in
the foreground with progress lines; results are written with full ID numbers
for the operator's own machine, and the export is audited.
"""
from __future__ import annotations

import csv
import getpass
import json
import os
import socket
import time
from datetime import date
from webapp.extensions import db
from webapp.intake.compare import PROBLEM_LABELS
from webapp.intake.mapping import SOURCES
from webapp.intake.schemes import codes_in_mask, scheme_name
from webapp.models import ComparisonResult, ComparisonRun
from webapp.services import audit
from webapp.services.areas import campaign_county
from webapp.services.intake import runs as intake_runs

import click

from .cli import intake_cli

RESULT_HEADER = ["公民身份号码", "姓名", "结果", "问题", "缺项", "原因", "户号", "地址", "乡镇(街道)代码",
                 "村(社区)代码", "参保险种", "户籍人口", "非本地户籍", "外地参保"]
STATUS_NAMES = {"confirmed": "已确认", "problem": "问题数据", "uninsured": "未参保", "not_target": "非登记对象"}
MISSING_NAMES = {"pension": "养老保险", "medical": "医疗保险"}
# The run page's stage names (routes_runs.stage_label translates them for a request; a command has none).
STAGE_NAMES = {"loading": "读取数据", "comparing": "逐人比对", "writing": "写入结果", "problems": "整理问题数据",
               "linkage": "查找疑似同一人", "changes": "与上次比对相比", "employers": "比对用人单位", "done": "完成"}
REASON_NAMES = {"deceased": "死亡", "moved_out": "迁出", "cancelled": "注销", "non_registered": "非户籍且未在本地参保",
                "not_insured_here": "不在户籍库且未在本地参保"}


def _county(county: str | None) -> str:
    return county or campaign_county()[0]


@intake_cli.command("run")
@click.option("--as-of", "as_of", default=None, help="As-of date YYYY-MM-DD (default: today in Asia/Shanghai).")
@click.option("--county", default=None, help="County code (default: the configured county).")
def run_command(as_of, county):
    """Run a comparison over one batch per source at an as-of date, printing progress; exit 1 if it fails."""
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD，例如 2017-06-30", param_hint="--as-of")
    run = intake_runs.create_run(_county(county), as_of=day)
    if not run.batch_ids:
        db.session.rollback()
        click.echo("没有可用的导入数据：请先导入部门文件。", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"比对 #{run.id}，基准日 {run.as_of.isoformat()}")
    for batch in intake_runs.run_batches(run):
        label = SOURCES[batch.source].label if batch.source in SOURCES else batch.source
        click.echo(f"  导入 #{batch.id} {label} {batch.file_name} {batch.period or ''}".rstrip())
    started, last = time.perf_counter(), [None]

    def listener(stage, done, total):
        # A line per stage, and for the long stages one per step they report.
        if stage != last[0] or total:
            suffix = f" {done}/{total}" if total else ""
            click.echo(f"[{time.perf_counter() - started:6.1f}s] {STAGE_NAMES.get(stage, stage)}{suffix}")
        last[0] = stage

    try:
        counts = intake_runs.run_comparison(run.id, listener=listener)
    except Exception as exc:  # the run is marked failed with its traceback; say so and exit non-zero
        click.echo(f"比对 #{run.id} 失败：{exc}", err=True)
        raise SystemExit(1)
    click.echo(json.dumps(counts, ensure_ascii=False))


@intake_cli.command("results")
@click.argument("run_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="CSV file to write.")
@click.option("--status", type=click.Choice(sorted(STATUS_NAMES)), default=None, help="Only people with this result.")
def results_command(run_id, out, status):
    """Write a run's results with FULL ID numbers to a CSV file (operator's machine only; audited)."""
    run = db.session.get(ComparisonRun, run_id)
    if run is None or run.status != "done":
        click.echo(f"比对 #{run_id} 不存在或尚未完成。", err=True)
        raise SystemExit(1)
    query = ComparisonResult.query.filter_by(run_id=run.id)
    if status:
        query = query.filter_by(status=status)
    rows = 0
    # Owner-only permissions: the file holds full ID numbers.
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_HEADER)
        for r in query.order_by(ComparisonResult.id_number).yield_per(5000):
            writer.writerow([
                r.id_number, r.name or "", STATUS_NAMES.get(r.status, r.status),
                "、".join(PROBLEM_LABELS.get(p, p) for p in r.problems.split(";") if p),
                "、".join(MISSING_NAMES.get(m, m) for m in r.missing.split(";") if m),
                REASON_NAMES.get(r.reason, r.reason or ""), r.household_no or "", r.address or "",
                r.township_code or "", r.village_code or "",
                "、".join(scheme_name(c) for c in codes_in_mask(r.schemes)),
                "是" if r.in_register else "否", "是" if r.non_local else "否", "是" if r.insured_elsewhere else "否"])
            rows += 1
    who = f"{getpass.getuser()}@{socket.gethostname()}"
    audit.record(None, "export_full_ids", "comparison_results", run.id,
                 detail=f"命令行导出 {rows} 行（完整身份证号）到 {os.path.abspath(out)}，操作者 {who}"[:500])
    db.session.commit()
    click.echo(f"已写入 {rows} 行到 {out}（含完整身份证号，仅限本机使用，已记入审计日志）")
