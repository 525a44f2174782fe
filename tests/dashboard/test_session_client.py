"""The browserless session client keeps a page open as a browser does: polling fragments rerun on their own."""
import asyncio

from dashboard.classroom import classroom
from dashboard.session_client import StreamlitSession


def test_stay_reruns_a_polling_fragment_until_the_page_is_left(tmp_path):
    polls = tmp_path / "polls.txt"
    app = tmp_path / "polling_app.py"
    app.write_text("import streamlit as st\n"
                   "@st.fragment(run_every=0.2)\n"
                   "def poll():\n"
                   f"    open({str(polls)!r}, 'a').write('x')\n"
                   "poll()\n")
    with classroom(1, proxy=False, warm=False, app=app) as dep:
        async def run():
            async with StreamlitSession(dep.url, "") as s:
                await s.open()
                first = polls.read_text()
                sent = await s.stay(2.0)
                return first, sent, polls.read_text(), s.closed_reason
        first, sent, after, closed = asyncio.run(run())
    assert first == "x" and closed is None                       # the full run drew the fragment once
    assert sent >= 5 and len(after) >= 5                           # then every poll reran it on the server
