package apps

import (
	"fmt"
	"regexp"

	"github.com/switchboard-voice/switchboard/media"
)

// Route sends matching calls to an application.
type Route struct {
	// To and From are regular expressions matched against the whole called
	// and calling number or SIP user; empty matches anything.
	To, From string
	// Name of the application, for logs.
	Name string
	App  media.Application
}

// Dialplan routes calls to applications: the first route that matches
// wins. It implements the Router of media/sip and media/webrtc.
type Dialplan struct {
	routes []route
}

type route struct {
	to, from *regexp.Regexp
	name     string
	app      media.Application
}

// NewDialplan compiles routes; an error names the bad route.
func NewDialplan(routes []Route) (*Dialplan, error) {
	d := &Dialplan{}
	for i, r := range routes {
		to, err := regexp.Compile("^(?:" + r.To + ")$")
		if err != nil {
			return nil, fmt.Errorf("dialplan route %d: to: %w", i, err)
		}
		from, err := regexp.Compile("^(?:" + r.From + ")$")
		if err != nil {
			return nil, fmt.Errorf("dialplan route %d: from: %w", i, err)
		}
		if r.To == "" {
			to = regexp.MustCompile(".*")
		}
		if r.From == "" {
			from = regexp.MustCompile(".*")
		}
		if r.App == nil {
			return nil, fmt.Errorf("dialplan route %d: no application", i)
		}
		d.routes = append(d.routes, route{to: to, from: from, name: r.Name, app: r.App})
	}
	return d, nil
}

// Route returns the application for a call from from to to.
func (d *Dialplan) Route(from, to string) (media.Application, bool) {
	for _, r := range d.routes {
		if r.to.MatchString(to) && r.from.MatchString(from) {
			return r.app, true
		}
	}
	return nil, false
}
