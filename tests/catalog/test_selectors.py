import pytest

from cityops.catalog.models import CatalogClass, ClassKind, ResponsibilityRule, Stage, TimeBasis, Urgency
from cityops.catalog.selectors import (
    catalog_class_from_ref,
    catalog_class_search,
    classes_for_report,
    default_urgency,
    policy_for,
    responsible_department,
    time_limit_for,
)
from cityops.catalog.services import catalog_class_rename, catalog_class_retire
from cityops.core.errors import InvalidInput, NotFound
from cityops.testing import factories as f

pytestmark = pytest.mark.django_db


def matter(code):
    return CatalogClass.objects.get(kind=ClassKind.MATTER, code=code)


def codes(qs):
    return {f"{c.kind}:{c.code}" for c in qs}


class TestSearch:
    def test_by_code_prefix(self):
        found = codes(catalog_class_search(q="0601", kind=ClassKind.MATTER))
        assert "matter:06010" in found and all(c.startswith("matter:0601") for c in found)

    def test_by_chinese_name(self):
        assert codes(catalog_class_search(q="暴露垃圾")) == {"matter:06010"}

    def test_by_english_name_ignoring_case(self):
        assert "matter:06010" in codes(catalog_class_search(q="exposed GARBAGE"))

    def test_by_pinyin_initials(self):
        assert "matter:06010" in codes(catalog_class_search(q="bllj"))

    def test_by_local_name_and_its_pinyin(self):
        catalog_class_rename(catalog_class=matter("06010"), local_name="垃圾堆", actor="test")
        assert codes(catalog_class_search(q="垃圾堆")) == {"matter:06010"}
        assert "matter:06010" in codes(catalog_class_search(q="ljd"))

    def test_filters_by_kind_and_major(self):
        qs = catalog_class_search(kind=ClassKind.COMPONENT, major="05")
        assert qs.count() == 3

    def test_hides_retired_classes_unless_asked(self):
        catalog_class_retire(catalog_class=matter("06010"), actor="test")
        assert not catalog_class_search(q="暴露垃圾").exists()
        assert catalog_class_search(q="暴露垃圾", include_retired=True).exists()


def test_report_selector_excludes_retired_classes():
    catalog_class_retire(catalog_class=matter("06012"), actor="test")
    report_codes = set(classes_for_report().values_list("code", flat=True))
    assert "06010" in report_codes and "06012" not in report_codes


def test_class_reference_accepts_kind_and_code_or_a_bare_matter_code():
    assert catalog_class_from_ref("component:01001").kind == ClassKind.COMPONENT
    assert catalog_class_from_ref("06010") == matter("06010")
    with pytest.raises(InvalidInput):
        catalog_class_from_ref("thing:01001")
    with pytest.raises(NotFound):
        catalog_class_from_ref("matter:99999")


class TestTimeLimits:
    def test_three_urgencies_are_seeded_with_normal_as_default(self):
        assert list(Urgency.objects.values_list("name", flat=True)) == ["紧急", "较急", "一般"]
        assert default_urgency().code == "normal"

    def test_global_default_applies_to_a_class_without_its_own_limit(self):
        limit = time_limit_for(catalog_class=matter("09009"), urgency=default_urgency(), stage=Stage.HANDLE)
        assert (limit.catalog_class, limit.minutes, limit.basis) == (None, 480, TimeBasis.WORKING)

    def test_class_specific_limit_beats_the_default(self):
        normal = default_urgency()
        assert time_limit_for(catalog_class=matter("06010"), urgency=normal, stage=Stage.HANDLE).minutes == 240
        assert time_limit_for(catalog_class=matter("06012"), urgency=normal, stage=Stage.HANDLE).minutes == 120
        assert time_limit_for(catalog_class=matter("04013"), urgency=normal, stage=Stage.HANDLE).minutes == 5 * 450

    def test_manhole_covers_run_on_short_natural_limits(self):
        urgent = Urgency.objects.get(code="urgent")
        limit = time_limit_for(catalog_class=matter("01001"), urgency=urgent, stage=Stage.HANDLE)
        assert (limit.minutes, limit.basis) == (60, TimeBasis.NATURAL)

    def test_policy_lists_every_stage_with_class_overrides(self):
        policy = policy_for(catalog_class=matter("06010"), urgency=default_urgency())
        assert list(policy) == list(Stage)
        assert policy[Stage.HANDLE] == (240, TimeBasis.WORKING)
        assert policy[Stage.ACCEPT] == (30, TimeBasis.WORKING)

    def test_urgent_defaults_are_shorter_than_normal(self):
        normal = policy_for(catalog_class=None, urgency=default_urgency())
        urgent = policy_for(catalog_class=None, urgency=Urgency.objects.get(code="urgent"))
        assert all(urgent[s][0] < normal[s][0] for s in Stage)

    def test_missing_limit_is_a_clear_not_found(self):
        extra = Urgency.objects.create(code="extra", name="特急", rank=9)
        with pytest.raises(NotFound, match="No time limit"):
            time_limit_for(catalog_class=None, urgency=extra, stage=Stage.HANDLE)


class TestResponsibility:
    @pytest.fixture
    def depts(self, city):
        return {
            "city": f.make_department("CITY-CG", "市城管局", region=city.city),
            "east": f.make_department("EAST-CG", "东区城管局", region=city.districts[0]),
            "east_sanitation": f.make_department("EAST-HW", "东区环卫所", region=city.districts[0]),
            "street": f.make_department("EAST-JD", "东区一街道办", region=city.streets[0]),
        }

    def rule(self, region, dept, cls=None):
        return ResponsibilityRule.objects.create(catalog_class=cls, region=region, department=dept)

    def test_no_rule_means_no_match(self, city):
        assert responsible_department(catalog_class=matter("06010"), region=city.grids[0]) is None

    def test_the_deepest_region_wins(self, city, depts):
        self.rule(city.city, depts["city"], matter("06010"))
        self.rule(city.districts[0], depts["east"])
        match = responsible_department(catalog_class=matter("06010"), region=city.grids[0])
        assert match.department == depts["east"]
        assert "东区" in match.reason

    def test_at_equal_depth_the_class_rule_beats_the_any_class_rule(self, city, depts):
        self.rule(city.districts[0], depts["east"])
        self.rule(city.districts[0], depts["east_sanitation"], matter("06010"))
        assert responsible_department(catalog_class=matter("06010"), region=city.grids[0]).department == depts[
            "east_sanitation"]
        assert responsible_department(catalog_class=matter("06012"), region=city.grids[0]).department == depts["east"]

    def test_rules_of_another_subtree_do_not_apply(self, city, depts):
        self.rule(city.districts[1], depts["east"])
        self.rule(city.city, depts["city"])
        assert responsible_department(catalog_class=None, region=city.grids[0]).department == depts["city"]

    def test_a_street_rule_beats_a_district_class_rule(self, city, depts):
        self.rule(city.districts[0], depts["east_sanitation"], matter("06010"))
        self.rule(city.streets[0], depts["street"])
        match = responsible_department(catalog_class=matter("06010"), region=city.grids[0])
        assert match.department == depts["street"]
        assert match.rule.region == city.streets[0]

    def test_lookup_is_one_query(self, city, depts, django_assert_num_queries):
        self.rule(city.city, depts["city"])
        cls = matter("06010")
        with django_assert_num_queries(1):
            responsible_department(catalog_class=cls, region=city.grids[0])
