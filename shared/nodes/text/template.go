package text

import (
	"context"
	"fmt"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/text/jinja"
)

func templateType() *nodes.Type {
	return &nodes.Type{
		ID: "text.template", Category: category, Name: "Template", Icon: "file-code",
		Doc: "Renders a [Jinja](https://jinja.palletsprojects.com/templates/) template: `{{ name }}` prints a " +
			"variable, `{% for item in items %}…{% endfor %}` loops, `{% if %}` tests, filters such as " +
			"`{{ title | upper }}` transform values, and macros, blocks and `{% set %}` work as in Jinja. Lists and " +
			"dicts are shared as in Python: a list a variable, a namespace or a dict holds is one list wherever " +
			"it is used, so `{% set l = [] %}{% for x in xs %}{% do l.append(x) %}{% endfor %}` collects into " +
			"`l`, and a dict's `update`, `pop`, `setdefault` and `clear` change the dict itself; appending to a " +
			"value of the moment (a literal, a filter's result) fails saying so.\n\n" +
			"The variables are the properties of `context` plus the rows of `variables` (rows win). Named " +
			"templates supplied with the run can be extended (`{% extends \"base.html\" %}` with " +
			"`{% block %}`s), included (`{% include \"footer\" %}`) and imported (`{% from \"macros\" import " +
			"button %}`). Whole numbers from the flow print without a decimal point; arithmetic is Jinja's, so `/` always gives a decimal (`{{ 4 / 2 }}` prints `2.0`) while `//` divides to a whole number (`{{ 4 // 2 }}` prints `2`).\n\n" +
			"Rendering is sandboxed: the output is capped at 8 MB, loops and macro calls at 250 000, nesting at " +
			"256 levels, `range()` at 100 000 elements, and every value built at 8 MB; going past a limit fails " +
			"the node.\n\n" +
			"**Inputs**: `template` (the template source, not evaluated as `{{ }}` by the flow), `context` " +
			"(object), `variables` (rows), `strict` (undefined variables are errors), `autoescape` (HTML-escape " +
			"printed values). Without `strict` an undefined variable or field prints nothing, but reading a field " +
			"of one fails the node naming it and its line (`line 2: cannot read .city: user.address is null`, " +
			"`cannot read .x: user.nope is undefined (user has no field \"nope\"; it has address, name)`).\n\n" +
			"**Outputs**: `text`.\n\n" +
			"**Example**: template `Hello {{ user.name }}! {% for o in orders %}#{{ o.id }} {% endfor %}` with " +
			"context `{\"user\": {\"name\": \"Ada\"}, \"orders\": [{\"id\": 1}, {\"id\": 2}]}` renders " +
			"`Hello Ada! #1 #2 `.",
		Inputs: []nodes.Port{
			{Name: "template", Type: nodes.String, Literal: true, Editor: nodes.EditTemplate, Required: true, Check: nodes.CheckJinja,
				Doc: "Jinja template source."},
			{Name: "context", Type: nodes.Object, Doc: "Variables for the template."},
			{Name: "variables", Type: nodes.List, Dynamic: true,
				Doc: "Rows of {key, value}: more variables, overriding those of context."},
			{Name: "strict", Type: nodes.Boolean, Default: false, Doc: "Fail on undefined variables instead of printing nothing."},
			{Name: "autoescape", Type: nodes.Boolean, Default: false, Doc: "HTML-escape every printed value not marked `| safe`."},
		},
		Outputs: []nodes.Port{textOut("The rendered text.")},
		Run:     runTemplate,
	}
}

func runTemplate(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	data := map[string]any{}
	if c.Has("context") {
		m, err := c.Map("context")
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			data[k] = v
		}
	}
	if c.Has("variables") {
		m, ok := c.Get("variables").(map[string]any)
		if !ok {
			return nil, nodes.Errorf("variables", "expected rows of {key, value}, got %s", nodes.Describe(c.Get("variables")))
		}
		for k, v := range m {
			data[k] = v
		}
	}
	var named map[string]string
	if c.Run != nil {
		named = c.Run.Templates
	}
	out, err := jinja.Render(ctx, c.Str("template"), data, named, jinja.RenderOptions{Strict: c.Bool("strict"), AutoEscape: c.Bool("autoescape")})
	if err != nil {
		if isContextErr(err) {
			return nil, fmt.Errorf("render template: %w", err)
		}
		return nil, nodes.Errorf("template", "%v", err)
	}
	return nodes.Out{"text": out}, nil
}
