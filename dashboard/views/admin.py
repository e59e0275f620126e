"""数据导入: upload an export, see how it reads, import it, and take the refused rows away (admins only)."""

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import auth, freshness
from dashboard.exports import csv
from dashboard.guard import reported
from dashboard.i18n import labeller, t
from dashboard.store import masked, now
from data import db
from data.ingest import ingest, limits, mapping, preview

st.title(t("admin_page"))
st.caption(freshness.line(now()))
if not auth.user().can("import"):  # the navigation offers the page to admins only; a stale link stops here
    st.stop()

uploaded = st.file_uploader(t("admin_files"), accept_multiple_files=True, key="admin_files",
                            type=["csv", "txt", "tsv", "json", "parquet", "xlsx"])
rules = st.file_uploader(t("admin_mapping"), type=["toml"], key="admin_mapping")
kind = st.segmented_control(t("admin_kind"), mapping.KINDS, default="requests", key="admin_kind",
                            format_func=labeller(mapping.KINDS, lambda k: t(f"admin_kind_{k}"))) or "requests"
if not uploaded:
    st.caption(t("admin_hint"))
    st.stop()

with tempfile.TemporaryDirectory(prefix="cityops-upload-") as temporary:  # gone when the page has run, or stopped
    folder = Path(temporary)
    paths, chosen = [], None
    for upload in uploaded:
        path = folder / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        paths.append(path)
    if rules:
        with reported("admin_bad_mapping"):
            (folder / "mapping.toml").write_bytes(rules.getvalue())
            chosen = mapping.load(folder / "mapping.toml")
        kind = chosen.kind  # the mapping says what its files hold
    for path in paths:
        with reported("admin_unreadable", name=path.name):
            limits.check(path)
            read = preview(path, chosen, kind)
        st.text(f"{path.name} · {read.fmt} · {t('admin_mapped')}: "  # the file's own words: text, never markup
                + ", ".join(f"{theirs} → {ours}" for ours, theirs in read.columns.items()))
        st.dataframe(read.rows, hide_index=True)

    if st.button(t("admin_import"), type="primary", icon=":material/upload:", key="admin_import"):
        bar = st.progress(0.0)
        asked = {"files": [path.name for path in paths], "kind": kind, "mapping": rules.name if rules else None}
        with reported("admin_failed"):
            try:
                summary = ingest(paths, db.db_path(), chosen=chosen, kind=kind,
                                 progress=lambda done, what: bar.progress(done, text=what))
            except Exception as failure:  # a failed import changed nothing, but was tried: kept all the same
                auth.record("import", **asked, failed=type(failure).__name__)
                raise
        auth.record("import", **asked, import_id=summary.import_id, read=summary.read, loaded=summary.loaded,
                    rejected=summary.rejected)
        st.success(summary.line())
        refused = masked(summary.refused)  # shown and exported as it came, personal data masked
        refused = refused.with_columns(pl.col("file").str.replace(r"^.*/", ""))  # its name, not where it was kept
        if not refused.is_empty():
            st.dataframe(refused, hide_index=True)
            st.download_button(t("admin_refused"),
                               auth.audited("export", lambda: csv(refused), panel="rejected_rows", format="csv",
                                            rows=refused.height, import_id=summary.import_id),
                               f"rejected-{summary.import_id}.csv", "text/csv", on_click="ignore")
