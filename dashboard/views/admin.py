"""数据导入: upload an export, see how it reads, import it, and take the refused rows away (admins only)."""

import hmac
import tempfile
from pathlib import Path

import duckdb
import streamlit as st

from dashboard import settings
from dashboard.exports import csv
from dashboard.i18n import t
from data import db
from data.ingest import formats, ingest, mapping

st.title(t("admin_page"))
if not st.session_state.get("admin"):
    typed = st.text_input(t("admin_password"), type="password", key="admin_typed")
    if typed and hmac.compare_digest(typed.encode(), settings.ADMIN_PASSWORD.encode()):
        st.session_state.admin = True
        st.rerun()
    if typed:
        st.caption(t("admin_wrong"))
    st.stop()

uploaded = st.file_uploader(t("admin_files"), accept_multiple_files=True, key="admin_files",
                            type=["csv", "txt", "tsv", "json", "parquet", "xlsx"])
rules = st.file_uploader(t("admin_mapping"), type=["toml"], key="admin_mapping")
if not uploaded:
    st.caption(t("admin_hint"))
    st.stop()

folder = Path(tempfile.mkdtemp(prefix="cityops-upload-"))
paths = []
for upload in uploaded:
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    paths.append(path)
chosen = None
if rules:
    (folder / "mapping.toml").write_bytes(rules.getvalue())
    chosen = mapping.load(folder / "mapping.toml")
for path in paths:
    with duckdb.connect() as preview:
        fmt = formats.detect(path)
        headers = formats.stage(preview, path, fmt, chosen.encoding if chosen else None)
        rules_used = chosen or (mapping.KNOWN[fmt].present(headers) if fmt in mapping.KNOWN
                                else mapping.ours(headers, path.stem))
        st.markdown(f"**{path.name}** · {fmt} · {t('admin_mapped')}: "
                    + ", ".join(f"{theirs} → {ours}" for ours, theirs in rules_used.columns.items()))
        st.dataframe(preview.execute("select * exclude (_raw) from staged limit 20").pl(), hide_index=True)

if st.button(t("admin_import"), type="primary", icon=":material/upload:"):
    bar = st.progress(0.0)
    summary = ingest(paths, db.db_path(), chosen=chosen, progress=lambda done, what: bar.progress(done, text=what))
    st.success(summary.line())
    with duckdb.connect(str(db.db_path()), read_only=True) as con:
        refused = con.execute("select file, line, reason, raw from rejected_rows where import_id = ? order by file, "
                              "line", [summary.import_id]).pl()
    if not refused.is_empty():
        st.dataframe(refused, hide_index=True)
        st.download_button(t("admin_refused"), csv(refused), f"rejected-{summary.import_id}.csv", "text/csv",
                           on_click="ignore")
