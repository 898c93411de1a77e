mod discovery;
mod support_discovery;
