// Protection domains: LBA ranges with rights, checked whole before any I/O.
#include <catch2/catch.hpp>

#include "apps/domain.h"

namespace salix::apps {

TEST_CASE("Domain allows an access only if every LBA has the right", "[apps]") {
  Domain d;
  REQUIRE_FALSE(d.Add({100, 50, kRightRead}));
  REQUIRE_FALSE(d.Add({150, 10, kRightReadWrite}));  // adjacent
  REQUIRE_FALSE(d.Add({200, 10, kRightWrite}));

  CHECK(d.Allows(100, 1, kRightRead));
  CHECK(d.Allows(100, 60, kRightRead));       // spans two adjacent ranges
  CHECK_FALSE(d.Allows(100, 60, kRightWrite));  // the first is read-only
  CHECK(d.Allows(150, 10, kRightWrite));
  CHECK_FALSE(d.Allows(99, 2, kRightRead));     // starts before the domain
  CHECK_FALSE(d.Allows(155, 10, kRightRead));   // runs into the gap at 160
  CHECK_FALSE(d.Allows(160, 1, kRightRead));
  CHECK_FALSE(d.Allows(200, 1, kRightRead));    // write-only
  CHECK(d.Allows(209, 1, kRightWrite));
  CHECK_FALSE(d.Allows(209, 2, kRightWrite));   // past the end
  CHECK_FALSE(d.Allows(120, 0, kRightRead));    // empty
  CHECK_FALSE(d.Allows(~uint64_t{0}, 2, kRightRead));  // wraps
  CHECK_FALSE(Domain().Allows(0, 1, kRightRead));
}

TEST_CASE("Domain refuses empty, wrapping, rightless and overlapping ranges", "[apps]") {
  Domain d;
  REQUIRE_FALSE(d.Add({10, 10, kRightRead}));
  auto e = d.Add({0, 0, kRightRead});
  REQUIRE(e);
  CHECK_THAT(*e, Catch::Contains("empty"));
  CHECK_THAT(*d.Add({~uint64_t{0} - 1, 5, kRightRead}), Catch::Contains("wraps"));
  CHECK_THAT(*d.Add({30, 1, 0}), Catch::Contains("no rights"));
  CHECK_THAT(*d.Add({30, 1, 4}), Catch::Contains("unknown right bits"));
  CHECK_THAT(*d.Add({15, 1, kRightRead}), Catch::Contains("overlaps [10, +10)"));
  CHECK_THAT(*d.Add({5, 6, kRightRead}), Catch::Contains("overlaps [10, +10)"));
  CHECK_THAT(*d.Add({0, 100, kRightRead}), Catch::Contains("overlaps"));
  CHECK(d.ranges().size() == 1);
}

}  // namespace salix::apps
