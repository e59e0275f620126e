"""mask_personal (queries/privacy.sql): what it hides and what it leaves alone."""

from __future__ import annotations

import random

import duckdb
import pytest

import queries

HIDDEN = [
    ("来电人：张三丰，电话13912345678", "来电人：张**，电话139****5678"),
    ("姓名王小明，联系人:李四", "姓名王**，联系人:李**"),
    # mobiles
    ("手机+86 13812345678和13712345678", "手机+86 138****5678和137****5678"),
    ("电话138 1234 5678", "电话138 **** 5678"),
    ("电话138-1234-5678转801", "电话138-****-5678转801"),
    ("电话138　1234　5678", "电话138　****　5678"),
    ("tel:+86-138-1234-5678", "tel:+86-138-****-5678"),
    ("0086 13812345678", "0086 138****5678"),
    ("(+86)13812345678", "(+86)138****5678"),
    ("（＋８６）１３８１２３４５６７８", "（＋８６）１３８****５６７８"),
    ("8613812345678", "86138****5678"),
    ("联系电话：１３８１２３４５６７８。", "联系电话：１３８****５６７８。"),
    ("No.13812345678", "No.138****5678"),
    ("13812345678、13912345678、13712345678/15012345678",
     "138****5678、139****5678、137****5678/150****5678"),
    # landlines
    ("座机010-62345678，或0755 8888", "座机010-****5678，或0755 8888"),
    ("(010) 6512 3456", "(010) **** 3456"),
    ("(010)65123456", "(010)****3456"),
    ("010 6512 3456", "010 **** 3456"),
    ("0755-86123456", "0755-****3456"),
    ("021-6123457", "021-****3457"),
    ("01065123456", "010****3456"),
    ("+86 10 6512 3456", "+86 10 **** 3456"),
    ("0086-755-86123456", "0086-755-****3456"),
    ("（０７５５）８６１２３４５６", "（０７５５）****３４５６"),
    ("电话010-65123456-801", "电话010-****3456-801"),
    ("010-65123456,021-61234567", "010-****3456,021-****4567"),
    # ID numbers
    ("身份证号110105198001011234，另一个11010519800101123X", "身份证号110105********1234，另一个110105********123X"),
    ("身份证110105198001011234号", "身份证110105********1234号"),
    ("110105 19800101 1234", "110105 ******** 1234"),
    ("１１０１０５１９８００１０１１２３Ｘ", "１１０１０５********１２３Ｘ"),
    ("旧证110105800101123", "旧证110105******123"),
    ("440301991231001", "440301******001"),
    ("ID:11010520001231123x", "ID:110105********123x"),
]

INNOCENT = [
    "工单GD2026112500059492已办结，编号A13912345678B",
    "工单号2026112500059492",  # 16 digits: no ID, no mobile
    "工单号202611250005949",  # 15 digits, but month 00 is no birth date
    "订单号202611251234567890",  # 18 digits, but year 2512 is no birth year
    "单号123456789012345678",
    "快递单号75312345678901",
    "快递13312345678901",  # 14 digits starting like a mobile
    "12号楼3单元502室，3-1-1301",
    "朝阳路138号院",
    "2026-11-25 13:45，2026/11/25，2026年11月25日，20261125，2026-11-25T13:45:00",
    "2019-2024年，13:00-14:00",
    "罚款12345678.90元，合计1,234,567元，约￥13800",
    "第13812次，1380人，97.5%",
    "邮编100010，京A12345",
    "116.397128,39.916527",
    "0755 8888",
    "1381234567",  # 10 digits
    "138123456789",  # 12 digits
    "１２号楼３单元，２０２６年１１月２５日",
    "'; drop table requests; --",
    "",
]


@pytest.fixture(scope="module")
def masking():
    """The masking macros alone, on a connection of their own: they need no city."""
    with duckdb.connect() as connection:
        connection.execute(queries.sql("privacy"))
        yield lambda text: connection.execute("select mask_personal(?)", [text]).fetchone()[0]


@pytest.mark.parametrize("text,expected", HIDDEN)
def test_personal_data_is_hidden(masking, text, expected):
    assert masking(text) == expected


@pytest.mark.parametrize("text", INNOCENT)
def test_ordinary_numbers_stay(masking, text):
    assert masking(text) == text


def test_nothing_stays_nothing(masking):
    assert masking(None) is None


FULL_WIDTH = str.maketrans("0123456789+()-X", "０１２３４５６７８９＋（）－Ｘ")


def written(rng: random.Random) -> tuple[str, str]:
    """A personal number as someone might type it, and as it must come out masked."""
    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    kind = rng.choice(("mobile", "landline", "id18", "id15"))
    if kind == "mobile":
        head, middle, tail = f"1{rng.choice('3456789')}{digits(1)}", digits(4), digits(4)
        prefix = rng.choice(("", "+86 ", "+86-", "0086 ", "86", "(+86)", "（+86）"))
        gap, gap2 = rng.choice(("", " ", "-", "　")), rng.choice(("", " ", "-"))
        clear = f"{prefix}{head}{gap}{middle}{gap2}{tail}"
        masked = f"{prefix}{head}{gap}****{gap2}{tail}"
    elif kind == "landline":
        area = rng.choice(("010", "021", "0755", "0571"))
        middle, tail = digits(rng.choice((3, 4))), digits(4)
        shape = rng.choice(("{a}-", "({a}) ", "({a})", "{a} ", "+86 {b} ", "0086-{b}-"))
        gap = rng.choice(("", " "))
        code = shape.format(a=area, b=area[1:])
        clear, masked = f"{code}{middle}{gap}{tail}", f"{code}****{gap}{tail}"
    else:
        region = f"{rng.randint(11, 65)}{digits(4)}"
        born = f"{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        gap = rng.choice(("", " "))
        if kind == "id18":
            tail = digits(3) + rng.choice("0123456789X")
            clear, masked = f"{region}{gap}{born}{gap}{tail}", f"{region}{gap}********{gap}{tail}"
        else:
            tail = digits(3)
            clear, masked = f"{region}{gap}{born[2:]}{gap}{tail}", f"{region}{gap}******{gap}{tail}"
    if rng.random() < 0.2:
        clear, masked = clear.translate(FULL_WIDTH), masked.translate(FULL_WIDTH)
    return clear, masked


def test_numbers_among_words(masking):
    """Random numbers in random forms between ordinary words: exactly their hidden digits go."""
    rng = random.Random(18)
    words = ["来电反映", "，电话", "、", "/", " ", "。", "，12号楼3单元", "于2026-11-25，", "罚款200元", "GD2026112500059492 "]
    for _ in range(300):
        clear, masked = [], []
        for _ in range(rng.randint(1, 4)):
            word = rng.choice(words)
            number, hidden = written(rng)
            clear += [word, number]
            masked += [word, hidden]
        text = "".join(clear + ["。"])
        assert masking(text) == "".join(masked + ["。"]), text
