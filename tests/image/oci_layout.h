#pragma once
// Builds OCI image layouts for tests (what `umoci` or `skopeo copy oci:` would write): blobs by
// digest, configs and manifests, index.json with ref names, nested indexes for several
// platforms.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace strata::test {

std::string sha256_digest(const std::string& data);  // "sha256:<hex>"
// "none", "gzip" or "zstd" (through the gzip and zstd programs).
std::string compress(const std::string& data, const std::string& how);
// tar of a directory's contents, numeric owners and xattrs kept.
std::string tar_of_dir(const std::string& dir);
// A layer with the busybox rootfs of tests/support (built once per process).
const std::string& busybox_tar();

struct TestLayer {
    std::string tar;
    std::string compression = "gzip";
};

class OciLayout {
public:
    explicit OciLayout(std::string dir);
    const std::string& path() const { return m_dir; }
    std::string add_blob(const std::string& bytes);
    std::string blob_file(const std::string& digest) const;

    // Config (`config` becomes its .config: Cmd, Env, ...) + manifest for the layers; listed in
    // index.json under `ref_name` unless `listed` is false. Returns the manifest's descriptor.
    nlohmann::json add_image(const std::vector<TestLayer>& layers, const nlohmann::json& config = nlohmann::json::object(),
                             const std::string& ref_name = "", bool listed = true, const std::string& arch = "amd64");
    // An image index over manifest descriptors (with their platform), listed in index.json.
    nlohmann::json add_index(const std::vector<nlohmann::json>& manifests, const std::string& ref_name);

private:
    void save_index() const;
    std::string m_dir;
    nlohmann::json m_index;
};

}  // namespace strata::test
