#include "crypto/sha256.h"

#include <gtest/gtest.h>

namespace strata::crypto {

TEST(Sha256, KnownVectors) {
    EXPECT_EQ(*sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(*sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(*sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, PiecewiseEqualsWhole) {
    std::string data(1000, 'x');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
    Sha256 h = *Sha256::create();
    for (size_t i = 0; i < data.size(); i += 63) h.update(std::string_view(data).substr(i, 63));
    EXPECT_EQ(h.hex(), *sha256_hex(data));
}

TEST(Sha256, DigestIsTheOciForm) {
    Sha256 h = *Sha256::create();
    h.update("abc");
    EXPECT_EQ(h.digest(), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace strata::crypto
