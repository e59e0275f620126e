"""What citizens call about and what the sensors see: the demo city's vocabularies.

The request taxonomy follows the shape of Beijing's 12345 classification (a
top category, a subcategory with its own handling deadline and, for some,
a city department that owns it). Each subcategory also carries how it behaves
in the demo: how common it is, its season, whether it happens at night, the
mix of request kinds and how hard it is to really fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# Monthly factors, January first.
FLAT = (1.0,) * 12
HEATING = (3.0, 2.2, 1.1, 0.08, 0.02, 0.02, 0.02, 0.02, 0.03, 0.3, 2.4, 3.2)
RAIN = (0.08, 0.08, 0.12, 0.2, 0.5, 1.2, 5.0, 4.2, 0.9, 0.2, 0.1, 0.08)
SUMMER = (0.6, 0.6, 0.8, 1.0, 1.2, 1.5, 1.7, 1.7, 1.3, 1.0, 0.8, 0.6)
WINTER = (1.5, 1.4, 1.1, 0.9, 0.8, 0.8, 0.9, 0.9, 0.9, 1.0, 1.3, 1.5)
GROWING = (0.3, 0.3, 0.8, 1.6, 1.8, 1.5, 1.4, 1.2, 1.0, 0.9, 0.6, 0.3)
SCHOOL = (0.8, 0.7, 1.0, 1.2, 1.6, 1.9, 1.3, 1.5, 1.4, 0.8, 0.7, 0.7)
YEAR_END = (1.8, 1.5, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.1, 1.9)

# Request kinds: consult, help, complaint, report, suggest.
ASKING = (0.7, 0.1, 0.08, 0.02, 0.1)
HELP = (0.15, 0.55, 0.25, 0.02, 0.03)
COMPLAINING = (0.08, 0.17, 0.62, 0.1, 0.03)
REPORTING = (0.05, 0.08, 0.35, 0.5, 0.02)
SUGGESTING = (0.3, 0.08, 0.12, 0.02, 0.48)


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Subcategory:
    code: str
    category: str           # Category.code
    name: str
    name_en: str
    weight: float           # relative volume over a year
    deadline_hours: int     # 办结时限
    department: str | None  # Department.code, None = the street office
    kinds: tuple[float, ...]
    difficulty: float       # 0 easy .. 1 rarely really fixed
    season: tuple[float, ...] = FLAT
    night: float = 0.4      # weight at night relative to day


@dataclass(frozen=True)
class IncidentType:
    code: str
    name: str
    name_en: str
    weight: float
    severity: tuple[float, ...]   # chances of 一般/较大/重大/特别重大
    sources: tuple[float, ...]    # chances of sensor/video/patrol/drone/hotline
    department: str | None
    onsite_minutes: int
    close_hours: int
    season: tuple[float, ...] = FLAT
    storm: bool = False           # surges in a rainstorm


DEPARTMENTS = (
    Department("SWJ", "市水务局", "Municipal Water Authority"),
    Department("CGW", "市城市管理委员会", "Municipal Commission of Urban Management"),
    Department("ZJW", "市住房和城乡建设委员会", "Municipal Commission of Housing and Urban-Rural Development"),
    Department("JTW", "市交通委员会", "Municipal Commission of Transport"),
    Department("JGJ", "市公安局公安交通管理局", "Traffic Management Bureau"),
    Department("STJ", "市生态环境局", "Municipal Ecology and Environment Bureau"),
    Department("SCJ", "市市场监督管理局", "Municipal Administration for Market Regulation"),
    Department("RSJ", "市人力资源和社会保障局", "Municipal Human Resources and Social Security Bureau"),
    Department("YBJ", "市医疗保障局", "Municipal Healthcare Security Administration"),
    Department("WJW", "市卫生健康委员会", "Municipal Health Commission"),
    Department("JW", "市教育委员会", "Municipal Education Commission"),
    Department("YLJ", "市园林绿化局", "Municipal Forestry and Parks Bureau"),
    Department("MZJ", "市民政局", "Municipal Civil Affairs Bureau"),
    Department("ZSJ", "市政务服务和数据管理局", "Municipal Government Services and Data Administration"),
    Department("RLJ", "市热力集团", "Municipal Heating Group"),
    Department("ZLS", "市自来水集团", "Municipal Waterworks Group"),
    Department("RQJ", "市燃气集团", "Municipal Gas Group"),
    Department("DLG", "市电力公司", "Municipal Electric Power Company"),
    Department("YJJ", "市应急管理局", "Municipal Emergency Management Bureau"),
)

CATEGORIES = (
    Category("SR", "市容环境", "City appearance and sanitation"),
    Category("SZ", "市政设施", "Municipal facilities"),
    Category("GS", "供水供电供气", "Water, power and gas"),
    Category("GN", "供暖", "Heating"),
    Category("WY", "物业管理", "Property management"),
    Category("HJ", "生态环境", "Environment and noise"),
    Category("JT", "交通出行", "Transport"),
    Category("ZX", "城市秩序", "Public order"),
    Category("SC", "市场监管", "Market regulation"),
    Category("LD", "劳动社保", "Labour and social security"),
    Category("JY", "教育卫生", "Education and health"),
    Category("LH", "园林绿化", "Greening"),
    Category("SQ", "社区服务", "Community services"),
    Category("ZW", "政务服务", "Government services"),
)

SUBCATEGORIES = (
    Subcategory("SR01", "SR", "生活垃圾清运不及时", "Household waste not collected", 3.2, 48, None, COMPLAINING, 0.15, SUMMER),
    Subcategory("SR02", "SR", "垃圾分类", "Waste sorting", 1.4, 72, None, ASKING, 0.2),
    Subcategory("SR03", "SR", "道路清扫保洁", "Street cleaning", 1.6, 48, None, COMPLAINING, 0.15),
    Subcategory("SR04", "SR", "公共厕所管理", "Public toilets", 0.7, 72, None, COMPLAINING, 0.2, SUMMER),
    Subcategory("SR05", "SR", "小广告乱贴乱画", "Illegal posters and graffiti", 0.8, 72, None, REPORTING, 0.3),
    Subcategory("SZ01", "SZ", "道路破损坑洼", "Potholes and damaged roads", 2.0, 120, None, COMPLAINING, 0.35, WINTER),
    Subcategory("SZ02", "SZ", "井盖缺失破损", "Missing or broken manhole covers", 1.0, 24, "CGW", REPORTING, 0.15),
    Subcategory("SZ03", "SZ", "路灯不亮", "Street lights out", 1.3, 72, "CGW", REPORTING, 0.2, WINTER, 0.8),
    Subcategory("SZ04", "SZ", "道路积水", "Waterlogged roads", 1.0, 24, "SWJ", HELP, 0.3, RAIN),
    Subcategory("SZ05", "SZ", "排水管道堵塞", "Blocked drains and sewers", 1.5, 48, "SWJ", HELP, 0.3, SUMMER),
    Subcategory("SZ06", "SZ", "人行道和无障碍设施", "Pavements and accessibility", 0.8, 168, None, SUGGESTING, 0.45),
    Subcategory("GS01", "GS", "停水", "Water supply cut", 1.3, 24, "ZLS", HELP, 0.15, SUMMER),
    Subcategory("GS02", "GS", "水压低和水质问题", "Low water pressure or poor water quality", 1.0, 72, "ZLS", COMPLAINING, 0.4),
    Subcategory("GS03", "GS", "停电", "Power cut", 1.2, 24, "DLG", HELP, 0.15, SUMMER, 0.9),
    Subcategory("GS04", "GS", "燃气故障和安全", "Gas faults and safety", 0.7, 24, "RQJ", HELP, 0.2, WINTER),
    Subcategory("GS05", "GS", "电动车充电设施", "E-bike charging points", 0.9, 168, None, SUGGESTING, 0.55),
    Subcategory("GN01", "GN", "暖气不热", "Radiators not warm enough", 4.0, 24, "RLJ", COMPLAINING, 0.35, HEATING, 0.7),
    Subcategory("GN02", "GN", "供暖管线跑水", "Heating pipe leaks", 0.8, 24, "RLJ", HELP, 0.2, HEATING, 0.8),
    Subcategory("GN03", "GN", "供暖费缴纳和退费", "Heating fees and refunds", 1.0, 120, "RLJ", ASKING, 0.3, HEATING),
    Subcategory("GN04", "GN", "供暖开栓和停暖时间", "Heating start and end dates", 0.8, 48, "CGW", ASKING, 0.1, HEATING),
    Subcategory("WY01", "WY", "电梯故障", "Lift breakdowns", 1.6, 48, None, COMPLAINING, 0.5),
    Subcategory("WY02", "WY", "物业服务不到位", "Poor property management", 2.2, 120, None, COMPLAINING, 0.6),
    Subcategory("WY03", "WY", "小区停车管理", "Parking inside residential compounds", 1.3, 120, None, COMPLAINING, 0.55),
    Subcategory("WY04", "WY", "楼道堆物", "Clutter in stairwells", 0.8, 72, None, REPORTING, 0.3),
    Subcategory("WY05", "WY", "房屋漏水", "Leaking roofs and walls", 1.1, 120, None, HELP, 0.5, RAIN),
    Subcategory("WY06", "WY", "老旧小区改造", "Renovation of old compounds", 0.9, 360, "ZJW", ASKING, 0.6),
    Subcategory("HJ01", "HJ", "施工噪声", "Construction noise", 2.0, 48, "ZJW", COMPLAINING, 0.4, SUMMER, 3.0),
    Subcategory("HJ02", "HJ", "社会生活噪声", "Neighbourhood noise", 1.8, 48, None, COMPLAINING, 0.45, SUMMER, 3.5),
    Subcategory("HJ03", "HJ", "餐饮油烟", "Restaurant cooking fumes", 0.9, 72, "STJ", COMPLAINING, 0.45, SUMMER, 1.2),
    Subcategory("HJ04", "HJ", "工地扬尘", "Dust from building sites", 0.8, 48, "ZJW", REPORTING, 0.35),
    Subcategory("HJ05", "HJ", "异味和废气", "Odours and fumes", 0.6, 72, "STJ", COMPLAINING, 0.5, SUMMER, 1.5),
    Subcategory("JT01", "JT", "违章停车", "Illegal parking", 1.9, 24, "JGJ", REPORTING, 0.35, FLAT, 0.8),
    Subcategory("JT02", "JT", "公交线路和站点", "Bus routes and stops", 1.0, 168, "JTW", SUGGESTING, 0.3),
    Subcategory("JT03", "JT", "共享单车乱停放", "Badly parked shared bikes", 1.0, 48, "JTW", REPORTING, 0.25, SUMMER),
    Subcategory("JT04", "JT", "交通信号灯", "Traffic lights", 0.7, 48, "JGJ", SUGGESTING, 0.2),
    Subcategory("JT05", "JT", "出租车和网约车服务", "Taxi and ride-hailing service", 0.8, 120, "JTW", COMPLAINING, 0.3),
    Subcategory("ZX01", "ZX", "占道经营", "Street vending on roads", 1.3, 48, None, REPORTING, 0.4, SUMMER, 1.4),
    Subcategory("ZX02", "ZX", "违法建设", "Illegal construction", 1.2, 360, None, REPORTING, 0.7),
    Subcategory("ZX03", "ZX", "群租房", "Overcrowded rentals", 0.6, 168, None, REPORTING, 0.6),
    Subcategory("ZX04", "ZX", "养犬和流浪动物", "Dogs and stray animals", 0.7, 72, None, COMPLAINING, 0.35, SUMMER),
    Subcategory("ZX05", "ZX", "非法小广告和散发传单", "Illegal flyers", 0.4, 72, None, REPORTING, 0.3),
    Subcategory("SC01", "SC", "消费纠纷", "Consumer disputes", 2.0, 168, "SCJ", COMPLAINING, 0.4, YEAR_END),
    Subcategory("SC02", "SC", "预付卡退费", "Prepaid card refunds", 1.2, 360, "SCJ", COMPLAINING, 0.75),
    Subcategory("SC03", "SC", "食品安全", "Food safety", 0.8, 72, "SCJ", REPORTING, 0.35, SUMMER),
    Subcategory("SC04", "SC", "价格收费", "Prices and fees", 0.7, 120, "SCJ", COMPLAINING, 0.35),
    Subcategory("SC05", "SC", "电梯安全监管", "Lift safety inspection", 0.3, 120, "SCJ", REPORTING, 0.4),
    Subcategory("LD01", "LD", "拖欠工资", "Unpaid wages", 1.3, 168, "RSJ", HELP, 0.6, YEAR_END),
    Subcategory("LD02", "LD", "社保缴纳和转移", "Social insurance contributions", 1.4, 120, "RSJ", ASKING, 0.2),
    Subcategory("LD03", "LD", "医保报销", "Medical insurance reimbursement", 1.3, 120, "YBJ", ASKING, 0.25),
    Subcategory("LD04", "LD", "就业和职业培训", "Jobs and vocational training", 0.6, 120, "RSJ", ASKING, 0.2),
    Subcategory("JY01", "JY", "入学和学位", "School places and admission", 1.0, 120, "JW", ASKING, 0.45, SCHOOL),
    Subcategory("JY02", "JY", "校外培训", "Private tutoring", 0.6, 120, "JW", REPORTING, 0.4, SCHOOL),
    Subcategory("JY03", "JY", "医院服务", "Hospital services", 1.1, 120, "WJW", COMPLAINING, 0.35, WINTER),
    Subcategory("JY04", "JY", "预约挂号", "Hospital appointments", 0.8, 72, "WJW", ASKING, 0.2, WINTER),
    Subcategory("JY05", "JY", "疫苗接种", "Vaccination", 0.5, 72, "WJW", ASKING, 0.1, WINTER),
    Subcategory("LH01", "LH", "树木修剪", "Tree pruning", 1.0, 168, "YLJ", SUGGESTING, 0.3, GROWING),
    Subcategory("LH02", "LH", "树木倒伏和断枝", "Fallen trees and branches", 0.5, 24, "YLJ", HELP, 0.15, RAIN),
    Subcategory("LH03", "LH", "绿地养护", "Green space maintenance", 0.7, 168, "YLJ", SUGGESTING, 0.3, GROWING),
    Subcategory("LH04", "LH", "杨柳飞絮", "Poplar and willow catkins", 0.4, 72, "YLJ", COMPLAINING, 0.5,
                (0.02, 0.02, 0.3, 5.0, 3.5, 0.3, 0.05, 0.02, 0.02, 0.02, 0.02, 0.02)),
    Subcategory("LH05", "LH", "病虫害防治", "Pests in trees", 0.3, 120, "YLJ", REPORTING, 0.3, GROWING),
    Subcategory("SQ01", "SQ", "养老服务", "Elderly care", 0.9, 120, "MZJ", ASKING, 0.35),
    Subcategory("SQ02", "SQ", "社区服务设施", "Community facilities", 0.8, 168, None, SUGGESTING, 0.4),
    Subcategory("SQ03", "SQ", "邻里纠纷", "Disputes between neighbours", 0.9, 72, None, HELP, 0.55),
    Subcategory("SQ04", "SQ", "社区便民网点", "Local shops and services", 0.5, 168, None, SUGGESTING, 0.4),
    Subcategory("SQ05", "SQ", "困难救助", "Hardship assistance", 0.5, 72, "MZJ", HELP, 0.4, WINTER),
    Subcategory("ZW01", "ZW", "办事指南咨询", "How-to questions on services", 2.0, 48, "ZSJ", ASKING, 0.05),
    Subcategory("ZW02", "ZW", "政策咨询", "Policy questions", 1.6, 72, "ZSJ", ASKING, 0.1),
    Subcategory("ZW03", "ZW", "证照办理", "Licences and certificates", 0.9, 120, "ZSJ", HELP, 0.25),
    Subcategory("ZW04", "ZW", "工作人员作风", "Conduct of officials", 0.5, 120, None, COMPLAINING, 0.45),
    Subcategory("ZW05", "ZW", "不动产登记", "Property registration", 0.6, 168, "ZJW", ASKING, 0.3),
)

INCIDENT_TYPES = (
    IncidentType("WL", "道路积水", "Road waterlogging", 1.0, (0.7, 0.22, 0.07, 0.01),
                 (0.55, 0.25, 0.12, 0.03, 0.05), "SWJ", 35, 6, RAIN, True),
    IncidentType("MC", "井盖缺失", "Missing manhole cover", 1.2, (0.85, 0.13, 0.02, 0.0),
                 (0.3, 0.35, 0.3, 0.0, 0.05), "CGW", 40, 8),
    IncidentType("GL", "燃气泄漏", "Gas leak", 0.4, (0.5, 0.35, 0.13, 0.02),
                 (0.6, 0.05, 0.1, 0.0, 0.25), "RQJ", 18, 5, WINTER),
    IncidentType("RC", "路面塌陷", "Road collapse", 0.25, (0.45, 0.35, 0.17, 0.03),
                 (0.2, 0.35, 0.3, 0.05, 0.1), "CGW", 30, 48, RAIN, True),
    IncidentType("FR", "火情", "Fire", 0.5, (0.55, 0.3, 0.13, 0.02),
                 (0.35, 0.35, 0.1, 0.05, 0.15), "YJJ", 12, 3, WINTER),
    IncidentType("TA", "交通事故", "Traffic accident", 1.6, (0.8, 0.15, 0.045, 0.005),
                 (0.05, 0.7, 0.1, 0.0, 0.15), "JGJ", 15, 2),
    IncidentType("IP", "违章停车", "Illegal parking", 3.0, (0.97, 0.03, 0.0, 0.0),
                 (0.0, 0.75, 0.25, 0.0, 0.0), "JGJ", 30, 2),
    IncidentType("MT", "渣土车违规", "Construction-waste truck violation", 1.0, (0.9, 0.09, 0.01, 0.0),
                 (0.1, 0.7, 0.15, 0.05, 0.0), "CGW", 40, 4),
    IncidentType("FT", "树木倒伏", "Fallen tree", 0.5, (0.75, 0.2, 0.05, 0.0),
                 (0.0, 0.3, 0.5, 0.05, 0.15), "YLJ", 45, 10, RAIN, True),
    IncidentType("SV", "占道经营", "Street vending", 2.2, (0.98, 0.02, 0.0, 0.0),
                 (0.0, 0.65, 0.35, 0.0, 0.0), None, 40, 3, SUMMER),
    IncidentType("EG", "暴露垃圾", "Exposed rubbish", 2.5, (0.97, 0.03, 0.0, 0.0),
                 (0.0, 0.55, 0.4, 0.05, 0.0), None, 60, 6, SUMMER),
    IncidentType("CR", "人群聚集", "Crowding", 0.5, (0.7, 0.22, 0.07, 0.01),
                 (0.0, 0.85, 0.1, 0.05, 0.0), "YJJ", 20, 3),
    IncidentType("WP", "供水管线爆裂", "Burst water main", 0.3, (0.5, 0.35, 0.13, 0.02),
                 (0.5, 0.1, 0.2, 0.0, 0.2), "ZLS", 35, 12, WINTER),
    IncidentType("PO", "电力设施故障", "Power equipment fault", 0.4, (0.6, 0.3, 0.09, 0.01),
                 (0.7, 0.05, 0.1, 0.0, 0.15), "DLG", 30, 6, SUMMER),
    IncidentType("IB", "违法建设", "Illegal construction", 0.6, (0.9, 0.1, 0.0, 0.0),
                 (0.0, 0.2, 0.4, 0.4, 0.0), None, 120, 72),
)

CHANNELS = (  # code, zh, en, share
    ("hotline", "12345热线", "12345 hotline", 0.63),
    ("app", "政务App", "City app", 0.09),
    ("miniprogram", "微信小程序", "WeChat mini-program", 0.13),
    ("web", "网站", "Website", 0.05),
    ("grid", "网格巡查", "Grid patrol", 0.10),
)
KINDS = (
    ("consult", "咨询", "Enquiry"),
    ("help", "求助", "Request for help"),
    ("complaint", "投诉", "Complaint"),
    ("report", "举报", "Report"),
    ("suggest", "建议", "Suggestion"),
)
WHISTLES = (
    ("none", "未吹哨", "No whistle"),
    ("routine", "日常哨", "Routine"),
    ("tough", "攻坚哨", "Tough problem"),
    ("emergency", "应急哨", "Emergency"),
)
SEVERITIES = (
    (1, "一般", "General"),
    (2, "较大", "Large"),
    (3, "重大", "Major"),
    (4, "特别重大", "Extraordinary"),
)
OFFICE_SUFFIX = {"街道": ("街道办事处", "Subdistrict Office"), "地区": ("地区办事处", "Area Office"),
                 "镇": ("镇人民政府", "Town Government"), "乡": ("乡人民政府", "Township Government")}


def category_of(sub: Subcategory) -> Category:
    return next(c for c in CATEGORIES if c.code == sub.category)


def department(code: str) -> Department:
    return next(d for d in DEPARTMENTS if d.code == code)


def categories_frame() -> pl.DataFrame:
    """The categories table, one row per subcategory in SUBCATEGORIES order."""
    return pl.DataFrame({
        "code": [s.code for s in SUBCATEGORIES],
        "category_code": [s.category for s in SUBCATEGORIES],
        "category": [category_of(s).name for s in SUBCATEGORIES],
        "category_en": [category_of(s).name_en for s in SUBCATEGORIES],
        "subcategory": [s.name for s in SUBCATEGORIES],
        "subcategory_en": [s.name_en for s in SUBCATEGORIES],
        "deadline_hours": [s.deadline_hours for s in SUBCATEGORIES],
        "department": [department(s.department).name if s.department else None for s in SUBCATEGORIES],
    }, schema_overrides={"deadline_hours": pl.Int32, "department": pl.String})


def office(street: str, street_en: str | None) -> tuple[str, str | None]:
    """The street office's name: 和平里街道 → 和平里街道办事处, 小汤山镇 → 小汤山镇人民政府."""
    for suffix, (zh, en) in OFFICE_SUFFIX.items():
        if street.endswith(suffix):
            english = street_en.rsplit(" ", 1)[0] + " " + en if street_en else None
            return street[: -len(suffix)] + zh, english
    return street + "办事处", (street_en + " Office" if street_en else None)


def units_frame(streets: pl.DataFrame) -> pl.DataFrame:
    """Every unit that takes requests: city departments first, then one office per street."""
    offices = [office(s, e) for s, e in zip(streets["street"].to_list(), streets["name_en"].to_list())]
    return pl.DataFrame({
        "unit": [d.name for d in DEPARTMENTS] + [o[0] for o in offices],
        "unit_en": [d.name_en for d in DEPARTMENTS] + [o[1] for o in offices],
        "unit_type": ["department"] * len(DEPARTMENTS) + ["street"] * streets.height,
        "district": [None] * len(DEPARTMENTS) + streets["district"].to_list(),
        "code": [d.code for d in DEPARTMENTS] + [f"ST{i:03d}" for i in range(1, streets.height + 1)],
        "street": [None] * len(DEPARTMENTS) + streets["street"].to_list(),
    }, schema_overrides={"district": pl.String, "street": pl.String, "unit_en": pl.String})

