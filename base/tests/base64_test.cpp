#include <doctest/doctest.h>

#include "base/base64.hpp"

using veer::base::decode_base64;

TEST_CASE("base64 decodes what Kubernetes writes, with or without padding and line breaks") {
  CHECK(decode_base64("aGVsbG8=") == "hello");
  CHECK(decode_base64("aGVsbG8") == "hello");
  CHECK(decode_base64("aGVsbG8h") == "hello!");
  CHECK(decode_base64("aGVs\nbG8h\r\n") == "hello!");
  CHECK(decode_base64("") == "");
  CHECK(decode_base64("/+8=") == std::string("\xff\xef"));
}

TEST_CASE("base64 refuses what is not base64") {
  CHECK_FALSE(decode_base64("aGV$bG8="));  // outside the alphabet
  CHECK_FALSE(decode_base64("aG=Vs"));     // '=' before the end
  CHECK_FALSE(decode_base64("aGVsbG8==="));
  CHECK_FALSE(decode_base64("aGVsb"));      // a lone sixth of a byte group
  CHECK_FALSE(decode_base64("aGVs bG8h"));  // spaces are not skipped (Go refuses them too)
}
