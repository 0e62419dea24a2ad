"""Seed the portal's plain-words categories, each mapped to a national catalogue class (GB/T 47678.5)."""

from django.db import migrations

# (sort, name, English name, hint, English hint, kind, code)
CATEGORIES = [
    (10, "暴露垃圾", "Garbage left out", "路边、空地上的垃圾", "Rubbish on the street or open ground", "matter", "06010"),
    (20, "垃圾桶满溢", "Overflowing bins", "垃圾桶、垃圾站装满溢出", "Bins or refuse stations overflowing", "matter", "06042"),
    (30, "道路不洁", "Dirty road", "路面脏污、油污", "Dirt or oil on the road", "matter", "06012"),
    (40, "道路破损", "Damaged road", "坑洼、塌陷", "Potholes, subsidence", "matter", "06013"),
    (50, "井盖问题", "Manhole cover", "井盖破损、缺失、移位", "Manhole cover broken, missing or moved", "matter", "01023"),
    (60, "路灯不亮", "Street light", "路灯不亮、损坏", "Street light out or damaged", "matter", "01037"),
    (70, "占道经营", "Street vending", "摊贩占用道路", "Stalls blocking the street", "matter", "09006"),
    (80, "机动车乱停", "Illegal parking (cars)", "汽车乱停乱放", "Cars parked where they should not", "matter", "09009"),
    (90, "非机动车乱停", "Illegal parking (bikes)", "自行车、电动车乱停", "Bikes or scooters blocking the way", "matter", "09010"),
    (100, "小广告", "Flyers and graffiti ads", "张贴、涂写的小广告", "Stuck-on or painted adverts", "matter", "07001"),
    (110, "绿地脏乱", "Littered green space", "绿地里的垃圾、杂物", "Rubbish in parks and verges", "matter", "06017"),
    (120, "噪声扰民", "Noise", "施工、商铺噪声", "Noise from works or shops", "matter", "06028"),
]


def seed(apps, schema_editor):
    CatalogClass = apps.get_model("catalog", "CatalogClass")
    PublicCategory = apps.get_model("intake", "PublicCategory")
    for sort, name, name_en, hint, hint_en, kind, code in CATEGORIES:
        klass = CatalogClass.objects.filter(kind=kind, code=code).first()
        if klass is None:  # a database loaded without the national catalogue: nothing to map to
            continue
        PublicCategory.objects.get_or_create(
            name=name, defaults={"name_en": name_en, "hint": hint, "hint_en": hint_en, "catalog_class": klass,
                                 "sort": sort},
        )


def unseed(apps, schema_editor):
    apps.get_model("intake", "PublicCategory").objects.filter(name__in=[c[1] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_public_category"),
        ("catalog", "0003_load_national_catalogue"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
