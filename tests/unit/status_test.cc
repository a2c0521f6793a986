// Status values: encoding into the CQE status field and back.
#include "core/status.h"
#include "test_util.h"

namespace salix::test {

TEST_CASE("Status encodes SCT, SC and DNR as the CQE status field") {
  Status s = Status::CompareFailure();
  CHECK(s.value() == 0x285);
  CHECK(s.dnr());
  uint16_t f = s.cqe_field();
  CHECK((f & 1) == 0);  // phase left to the queue
  CHECK(((f >> 1) & 0xFF) == 0x85);
  CHECK(((f >> 9) & 0x7) == 2);
  CHECK((f >> 15) == 1);
  CHECK(Status::FromCqeField(f | 1) == s);
  CHECK(Status::FromCqeField(f).dnr());
}

TEST_CASE("Named statuses carry the spec's codes") {
  CHECK(Status().ok());
  CHECK(Status::InvalidOpcode().value() == 0x001);
  CHECK(Status::InvalidField().value() == 0x002);
  CHECK(Status::DataTransferError().value() == 0x004);
  CHECK(Status::InvalidNamespaceOrFormat().value() == 0x00B);
  CHECK(Status::InvalidPrpOffset().value() == 0x013);
  CHECK(Status::LbaOutOfRange().value() == 0x080);
  CHECK(Status::NamespaceNotReady().value() == 0x082);
  CHECK_FALSE(Status::NamespaceNotReady().dnr());
  CHECK(Status::CompletionQueueInvalid().value() == 0x100);
  CHECK(Status::InvalidQueueIdentifier().value() == 0x101);
  CHECK(Status::InvalidQueueSize().value() == 0x102);
  CHECK(Status::AsyncEventLimitExceeded().value() == 0x105);
  CHECK(Status::InvalidInterruptVector().value() == 0x108);
  CHECK(Status::InvalidLogPage().value() == 0x109);
  CHECK(Status::InvalidFormat().value() == 0x10A);
  CHECK(Status::InvalidQueueDeletion().value() == 0x10C);
  CHECK(Status::InvalidField().ToString() ==
        "Invalid Field in Command (0x002)");
}

}  // namespace salix::test
