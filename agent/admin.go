package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/store"
)

// PutAgent adds or updates an agent in the router and stores it.
func (s *Service) PutAgent(ctx context.Context, a acd.Agent) error {
	err := s.cfg.Router.UpdateAgent(a)
	if errors.Is(err, acd.ErrUnknownAgent) {
		err = s.cfg.Router.AddAgent(a)
	}
	if err != nil {
		return err
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.PutAgent(ctx, store.Agent{ID: a.ID, Definition: raw, UpdatedAt: time.Now()}); err != nil {
		return fmt.Errorf("agent %s applied but not stored: %w", a.ID, err)
	}
	s.audit(ctx, "api", "agent.put", a.ID, map[string]string{"name": a.Name})
	return nil
}

// DeleteAgent removes an agent (not while on a call).
func (s *Service) DeleteAgent(ctx context.Context, id string) error {
	if err := s.cfg.Router.RemoveAgent(id); err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteAgent(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.audit(ctx, "api", "agent.delete", id, nil)
	return nil
}

// PutQueue adds or updates a queue in the router and stores it.
func (s *Service) PutQueue(ctx context.Context, q acd.Queue) error {
	err := s.cfg.Router.UpdateQueue(q)
	if errors.Is(err, acd.ErrUnknownQueue) {
		err = s.cfg.Router.AddQueue(q)
	}
	if err != nil {
		return err
	}
	raw, err := json.Marshal(q)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.PutQueue(ctx, store.Queue{ID: q.ID, Definition: raw, UpdatedAt: time.Now()}); err != nil {
		return fmt.Errorf("queue %s applied but not stored: %w", q.ID, err)
	}
	s.audit(ctx, "api", "queue.put", q.ID, nil)
	return nil
}

// DeleteQueue removes a queue (its waiting callers are told so).
func (s *Service) DeleteQueue(ctx context.Context, id string) error {
	if err := s.cfg.Router.RemoveQueue(id); err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteQueue(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.audit(ctx, "api", "queue.delete", id, nil)
	return nil
}

// LoadStored applies the agents and queues edited through the API (kept
// in the store) over the configured ones: queues first, then agents.
func (s *Service) LoadStored(ctx context.Context) error {
	qs, err := s.cfg.Store.Queues(ctx)
	if err != nil {
		return err
	}
	for _, sq := range qs {
		var q acd.Queue
		if err := json.Unmarshal(sq.Definition, &q); err != nil {
			s.log.Warn("stored queue unreadable", "queue", sq.ID, "err", err)
			continue
		}
		if err := s.cfg.Router.UpdateQueue(q); errors.Is(err, acd.ErrUnknownQueue) {
			err = s.cfg.Router.AddQueue(q)
		} else if err != nil {
			s.log.Warn("stored queue not applied", "queue", q.ID, "err", err)
		}
	}
	as, err := s.cfg.Store.Agents(ctx)
	if err != nil {
		return err
	}
	for _, sa := range as {
		var a acd.Agent
		if err := json.Unmarshal(sa.Definition, &a); err != nil {
			s.log.Warn("stored agent unreadable", "agent", sa.ID, "err", err)
			continue
		}
		if err := s.cfg.Router.UpdateAgent(a); errors.Is(err, acd.ErrUnknownAgent) {
			err = s.cfg.Router.AddAgent(a)
		} else if err != nil {
			s.log.Warn("stored agent not applied", "agent", a.ID, "err", err)
		}
	}
	return nil
}
