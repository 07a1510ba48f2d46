//! Helm chart templates: the files under a chart's `templates/` directory (the directory
//! beside its `Chart.yaml`), subcharts' included. They are Go templates, which are seldom valid
//! YAML before Helm renders them.

use std::path::{Path, PathBuf};

/// The `Chart.yaml` of the chart whose templates hold `file`: the nearest `templates`
/// directory above it that sits beside one.
pub fn chart_of(file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .filter(|dir| dir.file_name().is_some_and(|name| name == "templates"))
        .find_map(|templates| {
            let chart = templates.parent()?.join("Chart.yaml");
            chart.is_file().then_some(chart)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::fragments::tests::tree;

    #[test]
    fn templates_belong_to_the_nearest_chart() {
        let dir = tree(&[
            ("chart/Chart.yaml", "name: shop\n"),
            ("chart/values.yaml", "image: web\n"),
            ("chart/templates/image.yaml", "{{- if .Values.image }}\n"),
            ("chart/templates/tests/test.yaml", "kind: Pod\n"),
            ("chart/charts/db/Chart.yaml", "name: db\n"),
            (
                "chart/charts/db/templates/stack.yaml",
                "kind: ClusterStack\n",
            ),
            ("manifests/templates/image.yaml", "kind: Image\n"),
        ]);
        let chart = |file: &str| {
            chart_of(&dir.path().join(file))
                .map(|c| c.strip_prefix(dir.path()).unwrap().display().to_string())
        };
        assert_eq!(
            chart("chart/templates/image.yaml").as_deref(),
            Some("chart/Chart.yaml")
        );
        assert_eq!(
            chart("chart/templates/tests/test.yaml").as_deref(),
            Some("chart/Chart.yaml")
        );
        assert_eq!(
            chart("chart/charts/db/templates/stack.yaml").as_deref(),
            Some("chart/charts/db/Chart.yaml")
        );
        assert_eq!(chart("chart/values.yaml"), None);
        assert_eq!(
            chart("manifests/templates/image.yaml"),
            None,
            "no Chart.yaml beside it"
        );
    }
}
