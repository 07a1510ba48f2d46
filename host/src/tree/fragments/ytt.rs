//! ytt templates (Carvel's YAML templating, common beside kpack: kpack's own release config is
//! one): YAML whose `#@` comments are annotations. They parse as YAML, but every value an
//! annotation computes (`tag: #@ data.values.tag`) reads as null until ytt renders them.

/// Whether `text` holds a ytt annotation: a comment starting `#@`, on a line of its own
/// (`#@ load("@ytt:data", "data")`) or after a value (`tag: #@ data.values.tag`).
pub fn is_template(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').any(|line| {
        line.windows(2)
            .enumerate()
            .any(|(i, pair)| pair == b"#@" && (i == 0 || line[i - 1].is_ascii_whitespace()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_make_a_template() {
        let templates = [
            "#@ load(\"@ytt:data\", \"data\")\nkind: Image\n",
            "kind: Image\nspec:\n  tag: #@ data.values.tag\n",
            "#@data/values\n---\ntag: x\n",
            "spec:\n  order:\n  #@ for id in data.values.ids:\n  - group: [{id: #@ id}]\n  #@ end\n",
        ];
        for text in templates {
            assert!(is_template(text.as_bytes()), "{text}");
        }
        let manifests = [
            "kind: Image\nspec:\n  tag: registry.example.com/app # a comment\n",
            "kind: ConfigMap\ndata:\n  url: https://example.com/#@anchor\n  mail: a#@b\n",
            "",
        ];
        for text in manifests {
            assert!(!is_template(text.as_bytes()), "{text}");
        }
    }
}
