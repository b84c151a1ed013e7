package jinja

import (
	"errors"
	"fmt"

	"github.com/nikolalohinski/gonja/v2/exec"
	gnodes "github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// include, import and from-import over the budget's loader.

type includeStructure struct {
	b             *budget
	at            *tokens.Token
	name          gnodes.Expression
	ignoreMissing bool
}

func (s *includeStructure) Position() *tokens.Token { return s.at }
func (s *includeStructure) String() string          { return "include" }

func (b *budget) includeParser(p *parser.Parser, args *parser.Parser) (gnodes.ControlStructure, error) {
	s := &includeStructure{b: b, at: p.Current()}
	name, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	s.name = name
	if args.MatchName("ignore") != nil {
		if args.MatchName("missing") == nil {
			return nil, args.Error("expected 'missing' after 'ignore'", args.Current())
		}
		s.ignoreMissing = true
	}
	if args.MatchName("with", "without") != nil && args.MatchName("context") == nil {
		return nil, args.Error("expected 'context'", args.Current())
	}
	if !args.End() {
		return nil, args.Error("malformed include tag", args.Current())
	}
	return s, nil
}

// Execute implements exec.ControlStructure: renders the named template into the output.
func (s *includeStructure) Execute(r *exec.Renderer, _ *gnodes.ControlStructureBlock) error {
	v := r.Eval(s.name)
	if v.IsError() {
		return fmt.Errorf("include: %w", v)
	}
	names := []string{v.String()}
	if v.IsList() {
		names = names[:0]
		for i := 0; i < v.Len(); i++ {
			names = append(names, v.Index(i).String())
		}
	}
	var tpl *exec.Template
	for _, name := range names {
		if _, ok := s.b.loader.source(name); ok || !s.ignoreMissing || len(names) == 1 {
			t, err := s.b.load(name)
			if err != nil {
				var me *MissingTemplateError
				if s.ignoreMissing && errors.As(err, &me) {
					return nil
				}
				return err
			}
			tpl = t
			break
		}
	}
	if tpl == nil {
		return nil
	}
	if err := s.b.enter(); err != nil {
		return err
	}
	defer s.b.leave()
	env := *r.Environment
	env.Context = r.Environment.Context.Inherit()
	return exec.NewRenderer(&env, r.Output, r.Config.Inherit(), s.b.loader, tpl).Execute()
}

type importStructure struct {
	b     *budget
	at    *tokens.Token
	name  gnodes.Expression
	as    string            // import "x" as as
	names map[string]string // from "x" import name as alias: alias → name
}

func (s *importStructure) Position() *tokens.Token { return s.at }
func (s *importStructure) String() string          { return "import" }

func (b *budget) importParser(p *parser.Parser, args *parser.Parser) (gnodes.ControlStructure, error) {
	s := &importStructure{b: b, at: p.Current()}
	name, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	s.name = name
	if args.MatchName("as") == nil {
		return nil, args.Error("expected 'as'", args.Current())
	}
	alias := args.Match(tokens.Name)
	if alias == nil {
		return nil, args.Error("expected a name after 'as'", args.Current())
	}
	s.as = alias.Val
	if args.MatchName("with", "without") != nil && args.MatchName("context") == nil {
		return nil, args.Error("expected 'context'", args.Current())
	}
	if !args.End() {
		return nil, args.Error("malformed import tag", args.Current())
	}
	return s, nil
}

func (b *budget) fromParser(p *parser.Parser, args *parser.Parser) (gnodes.ControlStructure, error) {
	s := &importStructure{b: b, at: p.Current(), names: map[string]string{}}
	name, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	s.name = name
	if args.MatchName("import") == nil {
		return nil, args.Error("expected 'import'", args.Current())
	}
	for !args.End() {
		if args.MatchName("with", "without") != nil {
			if args.MatchName("context") == nil {
				return nil, args.Error("expected 'context'", args.Current())
			}
			break
		}
		n := args.Match(tokens.Name)
		if n == nil {
			return nil, args.Error("expected a macro name", args.Current())
		}
		alias := n.Val
		if args.MatchName("as") != nil {
			a := args.Match(tokens.Name)
			if a == nil {
				return nil, args.Error("expected a name after 'as'", args.Current())
			}
			alias = a.Val
		}
		s.names[alias] = n.Val
		if args.Match(tokens.Comma) == nil {
			break
		}
	}
	if !args.End() && args.MatchName("with", "without") != nil && args.MatchName("context") == nil {
		return nil, args.Error("expected 'context'", args.Current())
	}
	if !args.End() {
		return nil, args.Error("malformed from-import tag", args.Current())
	}
	if len(s.names) == 0 {
		return nil, args.Error("nothing to import", args.Current())
	}
	return s, nil
}

// Execute implements exec.ControlStructure: binds the named template's macros.
func (s *importStructure) Execute(r *exec.Renderer, _ *gnodes.ControlStructureBlock) error {
	v := r.Eval(s.name)
	if v.IsError() {
		return fmt.Errorf("import: %w", v)
	}
	tpl, err := s.b.load(v.String())
	if err != nil {
		return err
	}
	macros := tpl.Macros()
	bind := func(m *gnodes.Macro) (exec.Macro, error) { return exec.MacroNodeToFunc(m, r) }
	if s.names == nil {
		all := map[string]exec.Macro{}
		for name, m := range macros {
			fn, err := bind(m)
			if err != nil {
				return err
			}
			all[name] = fn
		}
		r.Environment.Context.Set(s.as, all)
		return nil
	}
	for alias, name := range s.names {
		m, ok := macros[name]
		if !ok {
			return fmt.Errorf("template %q has no macro %q", v.String(), name)
		}
		fn, err := bind(m)
		if err != nil {
			return err
		}
		r.Environment.Context.Set(alias, fn)
	}
	return nil
}
