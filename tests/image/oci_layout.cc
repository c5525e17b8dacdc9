#include "tests/image/oci_layout.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <stdexcept>

#include "tests/support/bundle.h"
#include "tests/support/cli.h"

namespace strata::test {

using json = nlohmann::json;

std::string sha256_digest(const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

std::string compress(const std::string& data, const std::string& how) {
    if (how == "none") return data;
    // Through a file: run_cmd writes all of stdin before it reads stdout, which deadlocks on
    // anything larger than a pipe's buffer.
    TempDir tmp("strata-compress");
    write_text(tmp.path() + "/in", data);
    auto r = how == "gzip" ? run_cmd({"gzip", "-n", "-c", tmp.path() + "/in"}) : run_cmd({"zstd", "-q", "-c", tmp.path() + "/in"});
    if (r.status != 0) throw std::runtime_error(how + ": " + r.err);
    return r.out;
}

std::string tar_of_dir(const std::string& dir) {
    auto r = run_cmd({"tar", "--numeric-owner", "--xattrs", "-C", dir, "-cf", "-", "."});
    if (r.status != 0) throw std::runtime_error("tar: " + r.err);
    return r.out;
}

const std::string& busybox_tar() {
    static const std::string tar = [] {
        TempDir d("strata-bbroot");
        make_busybox_rootfs(d.path() + "/r");
        return tar_of_dir(d.path() + "/r");
    }();
    return tar;
}

OciLayout::OciLayout(std::string dir) : m_dir(std::move(dir)) {
    mkdir(m_dir.c_str(), 0755);
    mkdir((m_dir + "/blobs").c_str(), 0755);
    mkdir((m_dir + "/blobs/sha256").c_str(), 0755);
    write_text(m_dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    m_index = {{"schemaVersion", 2}, {"manifests", json::array()}};
    save_index();
}

std::string OciLayout::add_blob(const std::string& bytes) {
    std::string d = sha256_digest(bytes);
    write_text(blob_file(d), bytes);
    return d;
}

std::string OciLayout::blob_file(const std::string& digest) const {
    return m_dir + "/blobs/sha256/" + digest.substr(7);
}

json OciLayout::add_image(const std::vector<TestLayer>& layers, const json& config, const std::string& ref_name,
                          bool listed, const std::string& arch) {
    json diff_ids = json::array(), descs = json::array();
    for (const auto& l : layers) {
        diff_ids.push_back(sha256_digest(l.tar));
        std::string blob = compress(l.tar, l.compression);
        std::string type = "application/vnd.oci.image.layer.v1.tar";
        if (l.compression != "none") type += "+" + l.compression;
        descs.push_back({{"mediaType", type}, {"digest", add_blob(blob)}, {"size", blob.size()}});
    }
    json cfg = {{"architecture", arch},
                {"os", "linux"},
                {"created", "2026-01-01T00:00:00Z"},
                {"config", config},
                {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
    std::string cfg_text = cfg.dump();
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                 {"digest", add_blob(cfg_text)},
                                 {"size", cfg_text.size()}}},
                     {"layers", descs}};
    std::string m_text = manifest.dump();
    json desc = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                 {"digest", add_blob(m_text)},
                 {"size", m_text.size()},
                 {"platform", {{"os", "linux"}, {"architecture", arch}}}};
    if (listed) {
        json entry = desc;
        if (!ref_name.empty()) entry["annotations"] = {{"org.opencontainers.image.ref.name", ref_name}};
        m_index["manifests"].push_back(entry);
        save_index();
    }
    return desc;
}

json OciLayout::add_index(const std::vector<json>& manifests, const std::string& ref_name) {
    json idx = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", manifests}};
    std::string text = idx.dump();
    json desc = {{"mediaType", "application/vnd.oci.image.index.v1+json"}, {"digest", add_blob(text)}, {"size", text.size()}};
    json entry = desc;
    if (!ref_name.empty()) entry["annotations"] = {{"org.opencontainers.image.ref.name", ref_name}};
    m_index["manifests"].push_back(entry);
    save_index();
    return desc;
}

void OciLayout::save_index() const { write_text(m_dir + "/index.json", m_index.dump()); }

}  // namespace strata::test
