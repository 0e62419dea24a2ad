"""The demo city's geography: a square-ish block of ~100 m unit grids (万米单元网格) split into regions.

The city 510100 蓉城市 (Rongcheng, fictional) is centred on 104.0°E 30.6°N. Grids are 0.001° of longitude
× 0.0009° of latitude, about 96 m × 100 m there. The block is cut into five districts (510104–510108, vertical
bands west → east), each district into streets (horizontal bands), each street into communities (rectangles of
whole grids). Codes follow the 15-character grid rule: district 6 + street 3 + community 3 + sequence 3, the
sequence running west → east, then north → south inside the community.

`plan_city` is pure (the same (grids, seed) always gives the same plan); `build_city` writes a plan.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin
from shapely.geometry import box

from cityops.core.audit import audit_log
from cityops.core.errors import Conflict, InvalidInput
from cityops.geo.geometry import region_geometry_fields
from cityops.geo.models import LEVEL_ORDER, Level, Region
from cityops.geo.services import region_set_changed

if TYPE_CHECKING:
    from cityops.core.typing import Actor

CITY_CODE = "510100"
CITY_NAME = "蓉城市"
CITY_NAME_EN = "Rongcheng City"
# (code, name, English name), west → east.
DISTRICTS = [
    ("510104", "浣花区", "Huanhua District"),
    ("510105", "文殊区", "Wenshu District"),
    ("510106", "锦官区", "Jinguan District"),
    ("510107", "望江区", "Wangjiang District"),
    ("510108", "东湖区", "Donghu District"),
]
CENTRE_LON, CENTRE_LAT = 104.0, 30.6
GRID_DLON, GRID_DLAT = 0.001, 0.0009
# Typical sizes in grids (1 grid ≈ 1 hectare): a street ~8 km², a community ~1 km².
STREET_TARGET_GRIDS = 800
COMMUNITY_TARGET_GRIDS = 100
MAX_PER_PARENT = 999  # three-digit street, community and grid sequences
MIN_GRIDS, MAX_GRIDS = 5, 1_000_000
# Sibling sizes vary by up to ±25 % around the even split, driven by the seed.
SIZE_JITTER = 0.25
BATCH_SIZE = 2000

_STREET_STEMS = (
    "春熙 玉林 草堂 芳草 府南 红星 双桥 桂溪 龙潭 沙河 青龙 白马 金桥 石羊 华兴 晨光 光华 长顺 新华 蓝天 "
    "锦绣 翠柳 望月 南湖 北辰 东升 紫荆 银杏 梧桐 桃源 杏林 荷塘 竹溪 枫林 松柏 兰亭 梅苑 菊园 芙蓉 海棠 "
    "牡丹 水井 盐市 骡马 驷马 九眼 万年 合江 百花 浆洗 黄田 营门 抚琴 西安 肖家 猛追 跳蹬 磨子 簇桥 机投"
).split()
_COMMUNITY_STEMS = (
    "花园 新村 北苑 南苑 东苑 西苑 家园 雅居 翠苑 和平 幸福 长乐 安居 康宁 福安 永丰 丰收 民主 团结 光明 "
    "文化 建设 友谊 利民 惠民 振兴 繁荣 育才 书香 清风"
).split()


@dataclass(frozen=True, slots=True)
class Block:
    """A rectangle of whole grids; column 0 is the western edge, row 0 the northern edge."""

    col: int
    row: int
    cols: int
    rows: int

    @property
    def size(self) -> int:
        return self.cols * self.rows


@dataclass(frozen=True, slots=True)
class PlannedRegion:
    level: str
    code: str
    name: str
    name_en: str
    parent_code: str | None
    block: Block


@dataclass
class CityPlan:
    """Every region of the demo city, parents before children, and the grid code of every cell."""

    grids: int
    seed: int
    cols: int
    rows: int
    west: float
    north: float
    regions: list[PlannedRegion] = field(default_factory=list)
    # cells[row][col] = grid code
    cells: list[list[str]] = field(default_factory=list)

    def lon(self, col: int) -> float:
        # Rounded so that neighbours computed from the same edge index share exactly the same coordinate.
        return round(self.west + col * GRID_DLON, 7)

    def lat(self, row: int) -> float:
        return round(self.north - row * GRID_DLAT, 7)

    def bounds(self, block: Block) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of a block."""
        return (
            self.lon(block.col),
            self.lat(block.row + block.rows),
            self.lon(block.col + block.cols),
            self.lat(block.row),
        )

    def grid_code(self, col: int, row: int) -> str:
        return self.cells[row][col]

    def counts(self) -> dict[str, int]:
        counter = Counter(r.level for r in self.regions)
        return {str(level): counter.get(level, 0) for level in LEVEL_ORDER}

    def by_level(self, level: str) -> list[PlannedRegion]:
        return [r for r in self.regions if r.level == level]


@dataclass
class CityReport:
    plan: CityPlan
    counts: dict[str, int]
    region_set_version: int


def city_dimensions(grids: int) -> tuple[int, int]:
    """(columns, rows) of a square-ish block of about `grids` grids, at least one column per district."""
    if isinstance(grids, bool) or not isinstance(grids, int) or not MIN_GRIDS <= grids <= MAX_GRIDS:
        raise InvalidInput(
            _("The demo city needs %(min)d to %(max)d grids, got %(value)r.")
            % {"min": MIN_GRIDS, "max": MAX_GRIDS, "value": grids},
            field="grids",
        )
    cols = max(len(DISTRICTS), round(math.sqrt(grids)))
    rows = max(1, round(grids / cols))
    return cols, rows


def plan_city(*, grids: int = 2500, seed: int = 0) -> CityPlan:
    """Lay out the demo city for (grids, seed); pure and deterministic."""
    cols, rows = city_dimensions(grids)
    rng = random.Random(f"cityops-demo-{seed}")
    plan = CityPlan(
        grids=grids,
        seed=seed,
        cols=cols,
        rows=rows,
        west=round(CENTRE_LON - cols * GRID_DLON / 2, 6),
        north=round(CENTRE_LAT + rows * GRID_DLAT / 2, 6),
        cells=[[""] * cols for _ in range(rows)],
    )
    plan.regions.append(PlannedRegion(Level.CITY, CITY_CODE, CITY_NAME, CITY_NAME_EN, None, Block(0, 0, cols, rows)))
    street_stems = _stems(_STREET_STEMS, rng)
    col = 0
    for (code, name, name_en), width in zip(DISTRICTS, _split(cols, len(DISTRICTS), rng), strict=True):
        district = PlannedRegion(Level.DISTRICT, code, name, name_en, CITY_CODE, Block(col, 0, width, rows))
        plan.regions.append(district)
        _plan_streets(plan, district, street_stems, rng)
        col += width
    return plan


def _plan_streets(plan: CityPlan, district: PlannedRegion, stems: Iterator[str], rng: random.Random) -> None:
    b = district.block
    count = min(b.rows, MAX_PER_PARENT, max(2, round(b.size / STREET_TARGET_GRIDS)))
    row = b.row
    for i, height in enumerate(_split(b.rows, count, rng), start=1):
        stem = next(stems)
        street = PlannedRegion(
            Level.STREET,
            f"{district.code}{i:03d}",
            f"{stem}街道",
            f"{_pinyin(stem)} Subdistrict",
            district.code,
            Block(b.col, row, b.cols, height),
        )
        plan.regions.append(street)
        _plan_communities(plan, street, stem, rng)
        row += height


def _plan_communities(plan: CityPlan, street: PlannedRegion, street_stem: str, rng: random.Random) -> None:
    b = street.block
    across, down = _community_layout(b, rng)
    stems = _stems(_COMMUNITY_STEMS, rng)
    seq, row = 0, b.row
    for height in _split(b.rows, down, rng):
        col = b.col
        for width in _split(b.cols, across, rng):
            seq += 1
            stem = next(stems)
            community = PlannedRegion(
                Level.COMMUNITY,
                f"{street.code}{seq:03d}",
                f"{street_stem}{stem}社区",
                f"{_pinyin(street_stem)} {_pinyin(stem)} Community",
                street.code,
                Block(col, row, width, height),
            )
            plan.regions.append(community)
            _plan_grids(plan, community)
            col += width
        row += height


def _community_layout(b: Block, rng: random.Random) -> tuple[int, int]:
    """How many communities across and down a street, each about COMMUNITY_TARGET_GRIDS and ≤ 999 grids."""
    wanted = max(2 if b.size >= 2 else 1, round(b.size / COMMUNITY_TARGET_GRIDS))
    across = min(b.cols, max(1, round(math.sqrt(wanted * b.cols / b.rows))))
    down = min(b.rows, max(1, math.ceil(wanted / across)))
    # Jittered weights can make one run up to (1+j)/(1-j) times the even share: keep every community ≤ 999.
    stretch = (1 + SIZE_JITTER) / (1 - SIZE_JITTER)
    while math.ceil(b.cols / across * stretch) * math.ceil(b.rows / down * stretch) > MAX_PER_PARENT:
        if b.cols / across >= b.rows / down:
            across += 1
        else:
            down += 1
    if across * down > MAX_PER_PARENT:
        raise InvalidInput(_("The demo city is too large for three-digit community codes."), field="grids")
    return across, down


def _plan_grids(plan: CityPlan, community: PlannedRegion) -> None:
    b = community.block
    seq = 0
    for row in range(b.row, b.row + b.rows):  # north → south
        for col in range(b.col, b.col + b.cols):  # west → east
            seq += 1
            code = f"{community.code}{seq:03d}"
            plan.cells[row][col] = code
            plan.regions.append(
                PlannedRegion(
                    Level.GRID,
                    code,
                    f"{community.name}{seq:03d}号网格",
                    f"{community.name_en} grid {seq:03d}",
                    community.code,
                    Block(col, row, 1, 1),
                )
            )


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Cut `total` cells into `parts` runs of at least one cell, roughly even, jittered by the seed."""
    weights = [1 + rng.uniform(-SIZE_JITTER, SIZE_JITTER) for _ in range(parts)]
    scale = total / sum(weights)
    sizes, acc, previous = [], 0.0, 0
    for i, weight in enumerate(weights):
        acc += weight * scale
        cut = round(acc) if i < parts - 1 else total
        # Leave at least one cell for this run and for every run after it.
        cut = max(previous + 1, min(cut, total - (parts - 1 - i)))
        sizes.append(cut - previous)
        previous = cut
    return sizes


def _stems(pool: list[str], rng: random.Random) -> Iterator[str]:
    """The pool's names in a seeded order, then numbered repeats once it runs out."""
    names = list(pool)
    rng.shuffle(names)
    yield from names
    round_ = 2
    while True:
        for name in names:
            yield f"{name}{round_}"
        round_ += 1


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).capitalize()


def build_city(*, grids: int = 2500, seed: int = 0, actor: Actor = None) -> CityReport:
    """Write the demo city's regions into an empty region table and bump the region-set version."""
    plan = plan_city(grids=grids, seed=seed)
    with transaction.atomic():
        if Region.objects.exists():
            raise Conflict(
                _("The database already holds regions; the demo city is only built into an empty region table.")
            )
        _write_regions(plan)
        # bulk_create sends no model signals: tell every process's locate index that the regions changed.
        version = region_set_changed()
        counts = plan.counts()
        audit_log(
            actor=actor,
            action="demo.city.built",
            obj=Region.objects.get(code=CITY_CODE),
            data={"grids": grids, "seed": seed, "counts": counts},
        )
    return CityReport(plan=plan, counts=counts, region_set_version=version)


def _write_regions(plan: CityPlan) -> None:
    # bulk_create skips Region.save(), so each path is built here exactly as save() would: parent path + code.
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    for level in LEVEL_ORDER:
        rows = (_region_row(plan, r, ids, paths) for r in plan.regions if r.level == level)
        while batch := list(islice(rows, BATCH_SIZE)):
            Region.objects.bulk_create(batch)
        if level != Level.GRID:
            ids.update(Region.objects.filter(level=level).values_list("code", "id"))


def _region_row(plan: CityPlan, r: PlannedRegion, ids: dict[str, int], paths: dict[str, str]) -> Region:
    path = f"{paths[r.parent_code] if r.parent_code else '/'}{r.code}/"
    if r.level != Level.GRID:
        paths[r.code] = path
    geom = box(*plan.bounds(r.block))
    return Region(
        level=r.level,
        code=r.code,
        name=r.name,
        name_en=r.name_en,
        parent_id=ids[r.parent_code] if r.parent_code else None,
        path=path,
        **region_geometry_fields(geom),
    )
