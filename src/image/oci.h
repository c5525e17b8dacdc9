#pragma once
// The JSON documents of OCI images and their Docker equivalents: descriptors, manifests,
// indexes (manifest lists), image configs, and docker-archive's manifest.json. Pure parsing into
// plain structs; nothing here touches the store.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace strata::image {

namespace media {
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view oci_layer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view docker_list = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view docker_config = "application/vnd.docker.container.image.v1+json";
}  // namespace media

// Manifests and configs are small; anything bigger is refused before it is read into memory
// (the distribution spec lets registries cap manifests at 4 MiB).
inline constexpr int64_t kMaxDocumentSize = 4 << 20;

struct Platform {
    std::string os, architecture, variant;
};

struct Descriptor {
    std::string media_type;
    std::string digest;  // validated "sha256:..."
    int64_t size = -1;
    std::map<std::string, std::string> annotations;
    Platform platform;
    nlohmann::json to_json() const;
};

enum class Compression { none, gzip, zstd };
// The compression a layer media type declares; an error for foreign or unknown layer types.
Result<Compression> layer_compression(std::string_view media_type);
std::string_view compression_name(Compression c);

bool is_index_type(std::string_view media_type);
bool is_manifest_type(std::string_view media_type);

struct Manifest {
    std::string media_type;
    Descriptor config;
    std::vector<Descriptor> layers;
};
struct OciIndex {
    std::string media_type;
    std::vector<Descriptor> manifests;
};

// What a manifest document is: its own mediaType field, else `content_type` (the HTTP header),
// else its shape ("manifests" → index, "layers" → manifest).
std::string document_type(const nlohmann::json& doc, std::string_view content_type = {});
Result<nlohmann::json> parse_json(std::string_view text, const std::string& what);
Result<Manifest> parse_manifest(std::string_view text, const std::string& what);
Result<OciIndex> parse_oci_index(std::string_view text, const std::string& what);
// The manifest for `os`/`arch` in an index (variant ignored, as for amd64 there is none).
Result<Descriptor> select_platform(const OciIndex& index, std::string_view os, std::string_view arch,
                                   const std::string& what);

struct ImageConfig {
    std::vector<std::string> diff_ids;  // validated, one per manifest layer
    std::string os, architecture, created;
    nlohmann::json config;  // .config: Entrypoint, Cmd, Env, WorkingDir, User, ...
};
Result<ImageConfig> parse_image_config(std::string_view text, const std::string& what);

// One image of a docker-archive (`docker save` / `podman save`) manifest.json.
struct DockerArchiveImage {
    std::string config;                  // path of the config JSON inside the archive
    std::vector<std::string> repo_tags;  // "busybox:latest"
    std::vector<std::string> layers;     // paths of the layer tars, base first
};
Result<std::vector<DockerArchiveImage>> parse_docker_archive_manifest(std::string_view text);

}  // namespace strata::image
