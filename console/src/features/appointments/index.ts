export { AppointmentsPage } from './components/appointments-page';
