"""账号与大屏: the local accounts (add, disable) and the wall keys (create, revoke), for admins."""

import polars as pl
import streamlit as st

from dashboard import auth
from dashboard.escaping import plain
from dashboard.guard import reported
from dashboard.i18n import labeller, t
from data import accounts, db

st.title(t("accounts_page"))
admin = auth.user()
if not admin.can("accounts"):  # the navigation offers the page to admins only; a stale link stops here
    st.stop()
database = db.db_path()
people, keys = accounts.load(database)

st.subheader(t("accounts_list"))
st.dataframe(pl.DataFrame([{"name": a.name, "roles": ", ".join(a.roles), "districts": ", ".join(a.districts),
                            "disabled": a.disabled, "changed": a.changed} for a in people.values()],
                          schema={"name": pl.String, "roles": pl.String, "districts": pl.String,
                                  "disabled": pl.Boolean, "changed": pl.String}),
             hide_index=True, width="stretch", column_config={
                 "name": t("login_name"), "roles": t("account_roles"), "districts": t("account_districts"),
                 "disabled": t("account_disabled"), "changed": t("account_changed")})
enabled = [name for name, account in people.items() if not account.disabled and name != admin.name]
left, right = st.columns([3, 1], vertical_alignment="bottom")
leaving = left.selectbox(t("account_disable"), enabled, index=None, key="account_leaving")
if right.button(t("account_disable"), key="account_disable", disabled=leaving is None, width="stretch"):
    accounts.disable(database, leaving)
    auth.record("account", change="disable", account=leaving)
    st.rerun()

with st.expander(t("account_add")), st.form("account_add", clear_on_submit=True):
    name = st.text_input(t("login_name"), key="new_name")
    password = st.text_input(t("login_password"), type="password", key="new_password")
    roles = st.multiselect(t("account_roles"), accounts.ROLES, default=["viewer"], key="new_roles",
                           format_func=labeller(accounts.ROLES, lambda role: t(f"role_{role}")))
    districts = st.text_input(t("account_districts"), key="new_districts")
    if st.form_submit_button(t("account_add")):
        with reported("account_failed"):
            accounts.add(database, name.strip(), password, roles, auth.listed(districts.replace("，", ",")))
        auth.record("account", change="add", account=name.strip(), roles=roles)
        st.success(plain(t("account_added", name=name.strip())))

st.subheader(t("wall_keys"))
st.dataframe(pl.DataFrame([{"id": digest[:8], "label": key.label, "created": key.created, "by": key.by,
                            "revoked": key.revoked} for digest, key in keys.items()],
                          schema={"id": pl.String, "label": pl.String, "created": pl.String, "by": pl.String,
                                  "revoked": pl.String}),
             hide_index=True, width="stretch", column_config={
                 "id": t("wall_key_id"), "label": t("wall_key_label"), "created": t("wall_key_created_at"),
                 "by": t("audit_user"), "revoked": t("wall_key_revoked")})
left, right = st.columns([3, 1], vertical_alignment="bottom")
label = left.text_input(t("wall_key_label"), key="wall_label")
if right.button(t("wall_key_create"), key="wall_create", disabled=not label.strip(), width="stretch"):
    key = accounts.create_key(database, label.strip(), admin.name)
    auth.record("wall_key", change="create", label=label.strip())
    st.caption(t("wall_key_created"))
    st.code(f"/?wall=1&key={key}", language=None)
live = {digest: key for digest, key in keys.items() if not key.revoked}
left, right = st.columns([3, 1], vertical_alignment="bottom")
revoking = left.selectbox(t("wall_key_revoke"), list(live), index=None, key="wall_revoking",
                          format_func=lambda digest: f"{digest[:8]} · {live[digest].label}")
if right.button(t("wall_key_revoke"), key="wall_revoke", disabled=revoking is None, width="stretch"):
    accounts.revoke_key(database, revoking)
    auth.record("wall_key", change="revoke", key=revoking[:8], label=live[revoking].label)
    st.rerun()
