"""cityops: streamlit run dashboard/app.py"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `data` and `queries` live beside dashboard/

import streamlit as st  # noqa: E402

from dashboard import auth, filters, wall  # noqa: E402
from dashboard.i18n import LANGUAGES, hand_names, t  # noqa: E402
from dashboard.store import analytics_clock, english_names, now  # noqa: E402
from data import db  # noqa: E402
from data.demo.generate import generate  # noqa: E402
from queries import settings  # noqa: E402

st.set_page_config(page_title="cityops", page_icon="🏙️", layout="wide",
                   initial_sidebar_state="collapsed" if wall.on() else "expanded")


@st.cache_resource(show_spinner=False)
def ensure_database(path: Path) -> None:
    """Create the embedded demo city on first start, with a visible progress bar."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        bar = st.progress(0.0, text=t("generating"))
        requests = settings.value("CITYOPS_DEMO_REQUESTS")
        generate(path, requests=requests, incidents=max(requests * 3 // 40, 100),
                 progress=lambda fraction, message: bar.progress(fraction, text=f"{t('generating')} {message}"))
        bar.empty()


if "lang" not in st.session_state:
    st.session_state.lang = st.query_params.get("lang", "zh")
ensure_database(db.db_path())
user = auth.gate()  # the login page, and nothing else, until someone is logged in
analytics_clock(str(db.db_path()))
hand_names(english_names())
filters.restore()
if wall.on():
    wall.dress()
else:
    st.sidebar.segmented_control(t("language"), LANGUAGES, key="lang",
                                 format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    filters.bar(now().date())
    auth.sidebar(user)
st.query_params["lang"] = st.session_state.lang or "zh"
filters.publish()
pages = [
    st.Page("views/overview.py", title=t("overview"), icon=":material/dashboard:", default=True),
    st.Page("views/requests.py", title=t("requests_page"), icon=":material/support_agent:"),
    st.Page("views/incidents.py", title=t("incidents_page"), icon=":material/emergency:"),
    st.Page("views/evaluation.py", title=t("evaluation_page"), icon=":material/fact_check:"),
    st.Page("views/warnings.py", title=t("warnings_page"), icon=":material/notifications_active:"),
    st.Page("views/topics.py", title=t("topics_page"), icon=":material/topic:"),
    st.Page("views/bulletins.py", title=t("bulletins"), icon=":material/description:"),
]
if not wall.on():  # the wall is a screen to watch: no admin pages there, whoever opened it
    if user.can("import"):
        pages.append(st.Page("views/admin.py", title=t("admin_page"), icon=":material/upload_file:"))
    if user.can("accounts"):
        pages.append(st.Page("views/accounts.py", title=t("accounts_page"), icon=":material/manage_accounts:"))
    if user.can("audit"):
        pages.append(st.Page("views/audit.py", title=t("audit_page"), icon=":material/history:"))
page = st.navigation(pages, position="hidden" if wall.on() else "sidebar")
wall.rotate(pages)
page.run()
