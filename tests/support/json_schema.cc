#include "tests/support/json_schema.h"

#include <algorithm>

namespace strata::test {
namespace {

using json = nlohmann::json;

bool has_type(const json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    return false;
}

void check(const json& v, const json& s, const json& root, const std::string& path, std::vector<std::string>& errs) {
    if (s.contains("$ref")) {
        std::string ref = s["$ref"];
        const std::string prefix = "#/$defs/";
        if (ref.rfind(prefix, 0) != 0) {
            errs.push_back(path + ": unsupported $ref " + ref);
            return;
        }
        check(v, root["$defs"][ref.substr(prefix.size())], root, path, errs);
        return;
    }
    if (s.contains("oneOf")) {
        int matches = 0;
        for (const auto& alt : s["oneOf"]) {
            std::vector<std::string> e;
            check(v, alt, root, path, e);
            matches += e.empty();
        }
        if (matches != 1) errs.push_back(path + ": matches " + std::to_string(matches) + " of oneOf");
        return;
    }
    if (s.contains("type")) {
        std::vector<std::string> types;
        if (s["type"].is_array()) types = s["type"].get<std::vector<std::string>>();
        else types.push_back(s["type"]);
        if (std::none_of(types.begin(), types.end(), [&](const std::string& t) { return has_type(v, t); })) {
            errs.push_back(path + ": is " + std::string(v.type_name()) + ", expected " + s["type"].dump());
            return;
        }
    }
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end())
        errs.push_back(path + ": " + v.dump() + " is not one of " + s["enum"].dump());
    if (v.is_number() && s.contains("minimum") && v.get<double>() < s["minimum"].get<double>())
        errs.push_back(path + ": " + v.dump() + " is below " + s["minimum"].dump());
    if (v.is_number() && s.contains("maximum") && v.get<double>() > s["maximum"].get<double>())
        errs.push_back(path + ": " + v.dump() + " is above " + s["maximum"].dump());
    if (v.is_object()) {
        for (const auto& r : s.value("required", json::array()))
            if (!v.contains(r.get<std::string>())) errs.push_back(path + ": missing " + r.get<std::string>());
        const json props = s.value("properties", json::object());
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (props.contains(it.key())) check(it.value(), props[it.key()], root, path + "." + it.key(), errs);
            else if (s.value("additionalProperties", true) == false) errs.push_back(path + ": unexpected property " + it.key());
        }
    }
    if (v.is_array() && s.contains("items"))
        for (size_t i = 0; i < v.size(); ++i) check(v[i], s["items"], root, path + "[" + std::to_string(i) + "]", errs);
}

}  // namespace

std::vector<std::string> validate_json(const json& doc, const json& schema) {
    std::vector<std::string> errs;
    check(doc, schema, schema, "$", errs);
    return errs;
}

bool xml_well_formed(const std::string& x, std::string* why) {
    std::vector<std::string> stack;
    int roots = 0;
    for (size_t i = 0; i < x.size();) {
        if (x[i] != '<') {
            ++i;
            continue;
        }
        auto close_at = [&](const std::string& end) { return x.find(end, i); };
        if (x.compare(i, 4, "<!--") == 0) {
            size_t e = close_at("-->");
            if (e == std::string::npos) return *why = "unterminated comment", false;
            i = e + 3;
            continue;
        }
        if (x.compare(i, 2, "<?") == 0 || x.compare(i, 2, "<!") == 0) {
            size_t e = x.compare(i, 9, "<![CDATA[") == 0 ? close_at("]]>") : close_at(">");
            if (e == std::string::npos) return *why = "unterminated declaration", false;
            i = e + 1;
            continue;
        }
        size_t e = x.find('>', i);
        if (e == std::string::npos) return *why = "unterminated tag at " + std::to_string(i), false;
        std::string tag = x.substr(i + 1, e - i - 1);
        i = e + 1;
        if (tag.empty()) return *why = "empty tag", false;
        if (tag[0] == '/') {
            std::string name = tag.substr(1, tag.find_first_of(" \t\n") - 1);
            if (stack.empty() || stack.back() != name) return *why = "</" + name + "> does not close <" + (stack.empty() ? "" : stack.back()) + ">", false;
            stack.pop_back();
            continue;
        }
        std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
        if (stack.empty()) ++roots;
        if (tag.back() != '/') stack.push_back(name);
    }
    if (!stack.empty()) return *why = "<" + stack.back() + "> is never closed", false;
    if (roots != 1) return *why = std::to_string(roots) + " root elements", false;
    return true;
}

}  // namespace strata::test
