"""mask_personal: what it hides and what it leaves alone."""

from __future__ import annotations

import pytest

import queries

CASES = [
    ("来电人：张三丰，电话13912345678", "来电人：张**，电话139****5678"),
    ("手机+86 13812345678和13712345678", "手机+86 138****5678和137****5678"),
    ("身份证号110105198001011234，另一个11010519800101123X", "身份证号110105********1234，另一个110105********123X"),
    ("座机010-62345678，或0755 8888", "座机010-****5678，或0755 8888"),
    ("工单GD2026112500059492已办结，编号A13912345678B", "工单GD2026112500059492已办结，编号A13912345678B"),
    ("姓名王小明，联系人:李四", "姓名王**，联系人:李**"),
    ("'; drop table requests; --", "'; drop table requests; --"),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_mask_personal(con, text, expected):
    cursor = queries.prepare(con)
    assert cursor.execute("select mask_personal(?)", [text]).fetchone()[0] == expected
