export { AppointmentsPage as Component } from '@/features/appointments';
