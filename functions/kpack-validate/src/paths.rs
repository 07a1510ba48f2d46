//! JSON pointers (`/spec/order/0/group`) as KRM field paths (`spec.order[0].group`).

pub fn from_pointer(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

/// `parent.child`, or `child` at the root.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_field_paths() {
        assert_eq!(from_pointer(""), "");
        assert_eq!(
            from_pointer("/spec/order/0/group/12/kind"),
            "spec.order[0].group[12].kind"
        );
        assert_eq!(from_pointer("/metadata/labels/a~1b"), "metadata.labels.a/b");
        assert_eq!(join("", "spec"), "spec");
        assert_eq!(join("spec.cache", "request"), "spec.cache.request");
    }
}
