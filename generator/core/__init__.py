"""The engine: layers in, validated files out. It knows parameters, layers, files and templates and
nothing about what they configure; every
feature is a component (generator/components/) that brings its schema, model, files, rules and checks."""
