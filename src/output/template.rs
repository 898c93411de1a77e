//! `--format`: `json`, or a Go template (`{{.Name}}`), optionally prefixed
//! with `table` for a header row and aligned columns, as docker's tools do.

use std::collections::HashMap;

use gtmpl::{Context, Func, FuncError, Template, Value};

use super::table;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Json,
    Template { text: String, table: bool },
}

#[derive(Debug, thiserror::Error)]
#[error("invalid template {template:?}: {message}")]
pub struct TemplateError {
    pub template: String,
    pub message: String,
}

impl Format {
    /// Reads a `--format` value. Literal `\t` and `\n` become tab and newline.
    pub fn parse(s: &str) -> Format {
        if s.trim() == "json" {
            return Format::Json;
        }
        let s = s.replace("\\t", "\t").replace("\\n", "\n");
        match s.trim_start().strip_prefix("table") {
            Some(rest) => Format::Template {
                text: rest.trim().to_string(),
                table: true,
            },
            None => Format::Template {
                text: s,
                table: false,
            },
        }
    }
}

/// serde_json → gtmpl value, so any serializable record can feed a template.
pub fn to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(0.0))
            }
        }
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(to_value).collect()),
        serde_json::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

fn from_value(v: &Value) -> serde_json::Value {
    match v {
        Value::NoValue | Value::Nil | Value::Function(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                serde_json::Value::from(i)
            } else if let Some(u) = n.as_u64() {
                serde_json::Value::from(u)
            } else {
                serde_json::Value::from(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::Array(a) => serde_json::Value::Array(a.iter().map(from_value).collect()),
        Value::Object(o) | Value::Map(o) => {
            let mut keys: Vec<_> = o.keys().collect();
            keys.sort();
            serde_json::Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), from_value(&o[k])))
                    .collect(),
            )
        }
    }
}

fn json_func(args: &[Value]) -> Result<Value, FuncError> {
    let v = args
        .first()
        .ok_or(FuncError::AtLeastXArgs("json".into(), 1))?;
    Ok(Value::String(from_value(v).to_string()))
}

fn prettyjson_func(args: &[Value]) -> Result<Value, FuncError> {
    let v = args
        .first()
        .ok_or(FuncError::AtLeastXArgs("prettyjson".into(), 1))?;
    Ok(Value::String(
        serde_json::to_string_pretty(&from_value(v)).unwrap_or_default(),
    ))
}

/// A parsed template with docker's `json` and `prettyjson` functions.
pub struct Compiled {
    tmpl: Template,
    source: String,
}

pub fn compile(text: &str) -> Result<Compiled, TemplateError> {
    let mut tmpl = Template::default();
    tmpl.add_funcs(&[
        ("json", json_func as Func),
        ("prettyjson", prettyjson_func as Func),
    ]);
    tmpl.parse(text).map_err(|e| TemplateError {
        template: text.to_string(),
        message: printable(&e.to_string()),
    })?;
    Ok(Compiled {
        tmpl,
        source: text.to_string(),
    })
}

impl Compiled {
    pub fn render(&self, data: &serde_json::Value) -> Result<String, TemplateError> {
        self.tmpl
            .render(&Context::from(to_value(data)))
            .map_err(|e| TemplateError {
                template: self.source.clone(),
                message: printable(&e.to_string()),
            })
    }
}

/// gtmpl's messages can quote a raw control character (a NUL for the end of the template):
/// escaped, so the error line stays one printable line.
fn printable(message: &str) -> String {
    message
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Renders records through a template; in table mode, `header` (a record
/// whose fields hold the column titles) goes first and tab-separated cells
/// are aligned.
pub fn render_all(
    text: &str,
    table_mode: bool,
    header: Option<&serde_json::Value>,
    records: &[serde_json::Value],
) -> Result<String, TemplateError> {
    let c = compile(text)?;
    let mut lines = Vec::new();
    if table_mode && let Some(h) = header {
        lines.push(c.render(h)?);
    }
    for r in records {
        lines.push(c.render(r)?);
    }
    if table_mode {
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect();
        Ok(table::render(&rows))
    } else {
        let mut out = String::new();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        Ok(out)
    }
}

/// Renders a listing for `--format`: pretty JSON, a template (with `table`
/// for a header and aligned columns), or `default_template` as a table when
/// no format was given. Shared by every listing command.
pub fn render_listing<T: serde::Serialize>(
    format: Option<&Format>,
    rows: &[T],
    header: &serde_json::Value,
    default_template: &str,
) -> Result<String, anyhow::Error> {
    if let Some(Format::Json) = format {
        let mut s = serde_json::to_string_pretty(rows)?;
        s.push('\n');
        return Ok(s);
    }
    let records: Vec<serde_json::Value> = rows
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()?;
    let (text, table) = match format {
        Some(Format::Template { text, table }) => (text.as_str(), *table),
        _ => (default_template, true),
    };
    Ok(render_all(text, table, Some(header), &records)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats() {
        assert_eq!(Format::parse("json"), Format::Json);
        assert_eq!(
            Format::parse("table {{.Name}}\\t{{.State}}"),
            Format::Template {
                text: "{{.Name}}\t{{.State}}".into(),
                table: true
            }
        );
    }

    #[test]
    fn renders_fields_and_json() {
        let recs = vec![json!({"Name": "a", "Labels": ["x=y"]})];
        let out = render_all("{{.Name}} {{json .Labels}}", false, None, &recs).unwrap();
        assert_eq!(out, "a [\"x=y\"]\n");
        let out = render_all(
            "{{.Name}}:\t{{.Name}}",
            true,
            Some(&json!({"Name": "NAME"})),
            &recs,
        )
        .unwrap();
        assert_eq!(out, "NAME:   NAME\na:      a\n");
    }

    #[test]
    fn bad_template_is_an_error() {
        assert!(compile("{{.Name").is_err());
    }
}
