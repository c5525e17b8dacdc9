// MAC addresses for NicConfig: parsing, printing, and the random default.

#include "vmm/devices/virtio/net/mac.h"

#include <random>

#include "base/strings.h"

namespace strata::vmm {

Result<MacAddress> parse_mac(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return error("MAC address " + quote(std::string(text)) + ": " + why);
    };
    MacAddress mac{};
    if (text.size() != 17) return bad("want six hex pairs such as 52:54:00:12:34:56");
    for (size_t i = 0; i < mac.size(); ++i) {
        if (i > 0 && text[3 * i - 1] != ':' && text[3 * i - 1] != '-') return bad("separators must be ':' or '-'");
        unsigned v = 0;
        for (char ch : text.substr(3 * i, 2)) {
            const int d = ch >= '0' && ch <= '9'   ? ch - '0'
                          : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                          : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                   : -1;
            if (d < 0) return bad("not hex");
            v = v * 16 + static_cast<unsigned>(d);
        }
        mac[i] = static_cast<uint8_t>(v);
    }
    return mac;
}

std::string to_string(const MacAddress& mac) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < mac.size(); ++i) {
        if (i) s += ':';
        s += digits[mac[i] >> 4];
        s += digits[mac[i] & 15];
    }
    return s;
}

MacAddress random_mac() {
    std::random_device rd;
    MacAddress mac;
    for (auto& b : mac) b = static_cast<uint8_t>(rd());
    mac[0] = static_cast<uint8_t>((mac[0] & 0xfe) | 0x02);  // unicast, locally administered
    return mac;
}

}  // namespace strata::vmm
