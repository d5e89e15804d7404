// An input the fuzz targets found (fuzz/crashes/): bytes that are not UTF-8.
#include <doctest/doctest.h>

#include "model/document.hpp"

using veer::model::read_documents;

TEST_CASE("text that is not UTF-8 is refused with its line and byte") {
  auto read = read_documents("kind: Canary\nmetadata:\n  name: a\xA2\n", "c.yaml");
  REQUIRE(read.errors.size() == 1);
  CHECK(read.errors[0].line == 3);
  CHECK(read.errors[0].message == "the text is not valid UTF-8 (byte 0xA2)");
  CHECK(read.documents.empty());
  // Overlong forms, surrogates and sequences cut short are not UTF-8 either.
  for (const char* bad :
       {"a: \xC0\xAF\n", "a: \xED\xA0\x80\n", "a: \xF4\x90\x80\x80\n", "a: \xE2\x82"}) {
    CHECK_FALSE(read_documents(bad, "c.yaml").errors.empty());
  }
  // Real UTF-8 of every length reads.
  auto good = read_documents("a: \"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80\"\n", "c.yaml");
  CHECK(good.errors.empty());
  REQUIRE(good.documents.size() == 1);
  CHECK(good.documents[0].json["a"].dump() == "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80\"");
}
