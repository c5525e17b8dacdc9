#pragma once
// The virtio-net definitions the device needs (virtio 1.1, 5.1), spelled out here because
// <linux/virtio_net.h> does not compile as C++ (a struct member named `class`).

#include <cstdint>

namespace strata::vmm::virtio::net_abi {

// Feature bits (5.1.3).
inline constexpr unsigned f_csum = 0, f_guest_csum = 1, f_mtu = 3, f_mac = 5, f_guest_tso4 = 7,
                          f_host_tso4 = 11, f_mrg_rxbuf = 15, f_status = 16, f_ctrl_vq = 17, f_mq = 22;

inline constexpr uint16_t s_link_up = 1;  // status (5.1.4)

// struct virtio_net_config (5.1.4), little-endian like every virtio 1.x field (x86 hosts only).
struct [[gnu::packed]] Config {
    uint8_t mac[6];
    uint16_t status;
    uint16_t max_virtqueue_pairs;
    uint16_t mtu;
    uint32_t speed;
    uint8_t duplex;
    uint8_t rss_max_key_size;
    uint16_t rss_max_indirection_table_length;
    uint32_t supported_hash_types;
};
static_assert(sizeof(Config) == 24);

// struct virtio_net_hdr's flags and gso_type (5.1.6).
inline constexpr uint8_t hdr_f_needs_csum = 1;
inline constexpr uint8_t hdr_gso_none = 0;

}  // namespace strata::vmm::virtio::net_abi
